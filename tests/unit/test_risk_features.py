"""The fee-risk features: one account's days in, numbers and reasons out; nothing of the future is read."""

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridpay.domain.risk_features import (
    FEATURE_INDEX,
    FEATURES,
    NO_DUE,
    Channel,
    DailySeries,
    Reason,
    ReasonCode,
    channel_kind,
    falls_into_arrears,
    features_at,
    obvious_rule,
    reasons,
    scored,
)

F = FEATURE_INDEX
JAN1 = date(2025, 1, 1)


def series(balances: list[list[int]], *, charges: list[list[int]] | None = None, paid: list[list[int]] | None = None,
           channel: list[list[int]] | None = None, alerted: list[list[bool]] | None = None,
           postpaid: list[bool] | None = None, owed: list[list[int]] | None = None,
           days_to_due: list[list[int]] | None = None, fell: list[list[bool]] | None = None) -> DailySeries:
    balance = np.array(balances, dtype=np.int64)
    shape = balance.shape
    postpaid_of = np.array(postpaid or [False] * shape[0])
    in_arrears = (balance < 0) & ~postpaid_of[:, None]
    previous = np.concatenate([np.zeros((shape[0], 1), dtype=bool), in_arrears[:, :-1]], axis=1)
    return DailySeries(
        first_day=JAN1,
        postpaid=postpaid_of,
        balance_fen=balance,
        charge_fen=np.array(charges, dtype=np.int64) if charges else np.zeros(shape, dtype=np.int64),
        paid_fen=np.array(paid, dtype=np.int64) if paid else np.zeros(shape, dtype=np.int64),
        channel=np.array(channel, dtype=np.int8) if channel else np.zeros(shape, dtype=np.int8),
        alerted=np.array(alerted, dtype=bool) if alerted else np.zeros(shape, dtype=bool),
        disconnected=np.zeros(shape, dtype=bool),
        fell_into_arrears=np.array(fell, dtype=bool) if fell else in_arrears & ~previous,
        in_arrears=in_arrears,
        owed_fen=np.array(owed, dtype=np.int64) if owed else np.zeros(shape, dtype=np.int64),
        days_to_due=np.array(days_to_due, dtype=np.int16) if days_to_due else np.full(shape, NO_DUE, np.int16),
    )


def test_days_left_payment_rhythm_and_an_unanswered_alert() -> None:
    # 40 days: pays 3,000 fen every 10 days (days 0, 10, 20, 30), spends 300 a day, alerted on day 36, not paid since.
    days = 40
    paid = [3_000 if d % 10 == 0 and d <= 30 else 0 for d in range(days)]
    balance, level = [], 1_000
    for d in range(days):
        level += paid[d] - 300
        balance.append(level)
    alerted = [d == 36 for d in range(days)]
    s = series([balance], charges=[[300] * days], paid=[paid], alerted=[alerted],
               channel=[[Channel.ONLINE if p else 0 for p in paid]])
    row = features_at(series=s, at=39)[0]
    assert row[F["balance_yuan"]] == balance[39] / 100
    assert row[F["days_left"]] == balance[39] / 300
    assert row[F["days_since_payment"]] == 9 and row[F["payment_interval"]] == 10
    assert row[F["payments_90d"]] == 4 and row[F["share_offline"]] == 0
    assert row[F["alert_unanswered_days"]] == 4 and row[F["alerts_30d"]] == 1
    words = [r.text() for r in reasons(row)]
    assert "余额约可用3天" in words and "上次提醒后4天未交费" in words


def test_a_payment_answers_the_alert_before_it() -> None:
    s = series([[5_000, 4_000, 9_000]], paid=[[0, 0, 6_000]], alerted=[[False, True, False]])
    assert features_at(series=s, at=2)[0, F["alert_unanswered_days"]] == 0
    assert features_at(series=s, at=1)[0, F["alert_unanswered_days"]] == 1


def test_late_payments_counted_over_the_year_and_the_rule_sees_them() -> None:
    # Fell into arrears twice (days 2 and 5), back in credit on the scoring day.
    s = series([[100, 50, -10, 200, 100, -5, 300, 250]])
    row = features_at(series=s, at=7)
    assert row[0, F["late_12m"]] == 2 and row[0, F["days_since_late"]] == 2
    assert obvious_rule(row)[0] == 1.0
    assert "近12个月2次逾期" in [r.text() for r in reasons(row[0])]


def test_a_postpaid_bill_due_soon_is_a_reason_and_the_rules_days_left() -> None:
    s = series([[-8_000, -8_000]], postpaid=[True], owed=[[8_000, 8_000]], days_to_due=[[4, 3]])
    row = features_at(series=s, at=1)[0]
    assert row[F["days_left"]] > 30  # a postpaid account has no balance to live on
    assert obvious_rule(row[None, :])[0] == 1.0  # 3 days to its due date
    assert Reason(ReasonCode.DUE_SOON, 3, 80) in reasons(row)
    assert obvious_rule(features_at(series=s, at=0))[0] == 0.0


def test_the_label_is_a_fall_into_arrears_in_the_next_days_and_needs_them() -> None:
    s = series([[100, 50, 20, -10, 30], [100, 100, 100, 100, 100]])
    assert falls_into_arrears(series=s, at=0, horizon=3).tolist() == [True, False]
    assert falls_into_arrears(series=s, at=3, horizon=1).tolist() == [False, False]
    assert scored(series=s, at=3).tolist() == [False, True]  # in arrears: on the arrears list, not scored
    try:
        falls_into_arrears(series=s, at=2, horizon=3)
    except ValueError:
        pass
    else:
        raise AssertionError("a label whose days are not known yet must be refused")


def test_channels_by_kind() -> None:
    assert channel_kind("bank_withholding") is Channel.WITHHOLDING
    assert channel_kind("wechat") is Channel.ONLINE and channel_kind("alipay") is Channel.ONLINE
    assert channel_kind("counter") is Channel.OFFLINE and channel_kind("agent") is Channel.OFFLINE


def test_a_reason_survives_its_round_trip_and_translates() -> None:
    reason = Reason(ReasonCode.OVERDUE_RHYTHM, 40, 30)
    assert Reason.from_json(reason.as_json()) == reason
    assert reason.text() == "已40天未交费（平时约每30天交一次）"
    assert reason.text(lambda text: text.replace("已", "X")) == "X40天未交费（平时约每30天交一次）"


days_st = st.integers(min_value=2, max_value=60)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), days=days_st)
def test_features_never_read_the_future(data: st.DataObject, days: int) -> None:
    """Changing anything after the scoring day changes no feature of that day."""
    at = data.draw(st.integers(min_value=0, max_value=days - 1))
    amounts = st.lists(st.integers(min_value=-50_000, max_value=50_000), min_size=days, max_size=days)
    balance = data.draw(amounts)
    paid = [abs(v) % 7_000 for v in data.draw(amounts)]
    later = [v if d <= at else -v - 1 for d, v in enumerate(balance)]
    later_paid = [v if d <= at else 5_000 for d, v in enumerate(paid)]
    charges = [[abs(v) % 900 for v in balance]]
    a = features_at(series=series([balance], paid=[paid], charges=charges), at=at)
    b = features_at(series=series([later], paid=[later_paid], charges=charges), at=at)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (1, len(FEATURES)) and np.isfinite(a).all()


@settings(max_examples=40, deadline=None)
@given(balance=st.lists(st.integers(min_value=-100_000, max_value=100_000), min_size=1, max_size=30),
       charge=st.integers(min_value=0, max_value=2_000))
def test_reasons_are_at_most_three_and_days_left_is_never_negative_in_words(balance: list[int], charge: int) -> None:
    s = series([balance], charges=[[charge] * len(balance)])
    for row in features_at(series=s, at=len(balance) - 1):
        found = reasons(row)
        assert len(found) <= 3
        assert all(r.n >= 0 for r in found if r.code is ReasonCode.DAYS_LEFT)
