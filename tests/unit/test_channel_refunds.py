"""What a channel's refund result does to our refund (pure): confirmed, given back once, or refused."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.channel_payments import NotificationRefused, RefusalReason
from gridpay.domain.channel_refunds import (
    RefundOnRecord,
    RefundOutcome,
    RefundReport,
    RefundStatus,
    judge_refund_report,
)
from gridpay.domain.payments import PaymentChannel

OURS = RefundOnRecord(refund_no="RF-1", kind="refund", channel_txn_id="4200001", order_no="GP1", amount_fen=2_000,
                      paid_fen=5_000, status=RefundStatus.PROCESSING)
REPORT = RefundReport(channel=PaymentChannel.WECHAT, refund_no="RF-1", channel_refund_id="5001",
                      channel_txn_id="4200001", order_no="GP1", status=RefundStatus.SUCCESS, amount_fen=2_000,
                      paid_fen=5_000)


@pytest.mark.parametrize(
    ("report", "recorded", "reason", "detail"),
    [
        (REPORT, None, RefusalReason.UNKNOWN_REFUND, "本系统没有这笔退款"),
        (REPORT, replace(OURS, kind="reversal"), RefusalReason.UNKNOWN_REFUND, "本系统没有这笔退款"),
        (replace(REPORT, channel_txn_id="4200009"), OURS, RefusalReason.UNKNOWN_REFUND, "属于交易 4200001"),
        (replace(REPORT, order_no="GP9"), OURS, RefusalReason.UNKNOWN_REFUND, "订单 GP1"),
        (replace(REPORT, amount_fen=2_001), OURS, RefusalReason.AMOUNT_MISMATCH, "应退 2000 分"),
        (replace(REPORT, paid_fen=5_001), OURS, RefusalReason.AMOUNT_MISMATCH, "原交费 5000 分"),
        (replace(REPORT, status=RefundStatus.CLOSED), replace(OURS, status=RefundStatus.SUCCESS),
         RefusalReason.REFUND_CONFLICT, "已是退款成功，渠道又通知退款关闭"),
    ],
)
def test_a_result_that_is_not_for_our_refund_as_we_have_it_is_refused_in_chinese(
    report: RefundReport, recorded: RefundOnRecord | None, reason: RefusalReason, detail: str
) -> None:
    with pytest.raises(NotificationRefused) as refused:
        judge_refund_report(report=report, recorded=recorded)
    assert refused.value.reason is reason and detail in refused.value.message


def test_made_and_abnormal_are_recorded_closed_gives_back_and_the_same_again_is_a_replay() -> None:
    assert judge_refund_report(report=REPORT, recorded=OURS) is RefundOutcome.RECORD
    abnormal = replace(REPORT, status=RefundStatus.ABNORMAL)
    assert judge_refund_report(report=abnormal, recorded=OURS) is RefundOutcome.RECORD
    closed = replace(REPORT, status=RefundStatus.CLOSED)
    assert judge_refund_report(report=closed, recorded=replace(OURS, status=RefundStatus.ABNORMAL)) is (
        RefundOutcome.GIVE_BACK)
    for status in RefundStatus:
        again = replace(REPORT, status=status)
        assert judge_refund_report(report=again, recorded=replace(OURS, status=status)) is RefundOutcome.REPLAY


@given(st.lists(st.sampled_from(list(RefundStatus)), max_size=12))
def test_whatever_results_arrive_the_money_comes_back_at_most_once_and_only_for_a_closed_refund(
    results: list[RefundStatus],
) -> None:
    recorded = OURS
    given_back = 0
    for status in results:
        try:
            outcome = judge_refund_report(report=replace(REPORT, status=status), recorded=recorded)
        except NotificationRefused as refused:
            assert refused.reason is RefusalReason.REFUND_CONFLICT and recorded.status in {
                RefundStatus.SUCCESS, RefundStatus.CLOSED}
            continue
        if outcome is RefundOutcome.GIVE_BACK:
            given_back += 1
        if outcome is not RefundOutcome.REPLAY:
            recorded = replace(recorded, status=status)
    assert given_back == (1 if recorded.status is RefundStatus.CLOSED else 0)
