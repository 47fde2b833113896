"""The counter's guard rails as rules: typed twice, the limit and who authorises it, the void, which print is which."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.counter_desk import (
    AuthorisationRefused,
    CounterLimits,
    CounterPaymentOnRecord,
    CounterRefused,
    VoidRefused,
    check_authoriser,
    check_typed_twice,
    check_void,
    needs_authorisation,
    print_copy,
)
from gridpay.domain.staff_roles import Role

LIMITS = CounterLimits(typed_twice_above_fen=100_000, authorise_above_fen=500_000)
TODAY = date(2025, 3, 10)


def test_an_amount_above_the_threshold_is_typed_twice_and_the_two_must_agree() -> None:
    check_typed_twice(amount_fen=100_000, confirmed_fen=None, limits=LIMITS)  # 1 000.00 exactly: once is enough
    check_typed_twice(amount_fen=100_001, confirmed_fen=100_001, limits=LIMITS)
    with pytest.raises(CounterRefused, match="再输入一遍") as missing:
        check_typed_twice(amount_fen=100_001, confirmed_fen=None, limits=LIMITS)
    assert missing.value.field == "amount_confirm"
    with pytest.raises(CounterRefused, match=r"两次输入的金额不一致（2000.00 元与 200.00 元）"):
        check_typed_twice(amount_fen=200_000, confirmed_fen=20_000, limits=LIMITS)


def test_above_the_limit_needs_authorisation_and_no_limit_needs_none() -> None:
    assert not needs_authorisation(amount_fen=500_000, limits=LIMITS)
    assert needs_authorisation(amount_fen=500_001, limits=LIMITS)
    unlimited = CounterLimits(typed_twice_above_fen=100_000, authorise_above_fen=None)
    assert not needs_authorisation(amount_fen=10**11, limits=unlimited)


def test_a_supervisor_or_the_head_authorises_never_the_cashier_themself() -> None:
    check_authoriser(authoriser=("lin", "林班长"), roles=[Role.SUPERVISOR], cashier=("zhang", "张敏"))
    check_authoriser(authoriser=("head", "所长"), roles=[Role.STATION_HEAD], cashier=("zhang", "张敏"))
    for roles in ([Role.CASHIER], [Role.ADMIN], [Role.GRID_STAFF], []):
        with pytest.raises(AuthorisationRefused, match="不是班长或所长"):
            check_authoriser(authoriser=("wang", "王"), roles=roles, cashier=("zhang", "张敏"))
    with pytest.raises(AuthorisationRefused, match="不能为自己授权"):
        check_authoriser(authoriser=("lin", "林班长"), roles=[Role.SUPERVISOR], cashier=("lin", "林班长"))
    with pytest.raises(AuthorisationRefused, match="不能为自己授权"):  # named on the command line by their name
        check_authoriser(authoriser=("lin", "林班长"), roles=[Role.SUPERVISOR], cashier=("", "林班长"))
    # Two staff sharing a name are two people when both have logins: a supervisor 张敏 may authorise a cashier 张敏.
    check_authoriser(authoriser=("zhangmin2", "张敏"), roles=[Role.SUPERVISOR], cashier=("zhang", "张敏"))


def on_record(**changes: object) -> CounterPaymentOnRecord:
    fields: dict[str, object] = {"business_day": TODAY, "taken_by": "zhang", "cashier": "张敏", "refunded_fen": 0,
                                 "paid_bills_fen": 0}
    return CounterPaymentOnRecord(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_cashier_voids_their_own_payment_of_the_same_business_day_only() -> None:
    check_void(payment=on_record(), today=TODAY, username="zhang", name="张敏")
    with pytest.raises(VoidRefused, match=r"只能作废当天（营业日 2025-03-11）.*这笔是 2025-03-10 收的"):
        check_void(payment=on_record(), today=date(2025, 3, 11), username="zhang", name="张敏")
    with pytest.raises(VoidRefused, match="只能作废本人收的交费：这笔由 张敏 收取"):
        check_void(payment=on_record(), today=TODAY, username="li", name="张敏")  # the same name, another login
    with pytest.raises(VoidRefused, match=r"已退款或冲正 12\.00 元"):
        check_void(payment=on_record(refunded_fen=1_200), today=TODAY, username="zhang", name="张敏")
    with pytest.raises(VoidRefused, match=r"已冲抵后付费电费单 80\.00 元"):
        check_void(payment=on_record(paid_bills_fen=8_000), today=TODAY, username="zhang", name="张敏")


def test_a_receipt_the_command_line_took_in_words_is_its_named_cashiers() -> None:
    in_words = on_record(taken_by="", cashier="营业员小王")
    with pytest.raises(VoidRefused, match="本人"):
        check_void(payment=in_words, today=TODAY, username="zhang", name="张敏")
    check_void(payment=in_words, today=TODAY, username="wang", name="营业员小王")
    check_void(payment=on_record(taken_by="", cashier="wang"), today=TODAY, username="wang", name="")
    with pytest.raises(VoidRefused, match="本人"):  # a cashier without a name is not everyone's
        check_void(payment=on_record(taken_by="", cashier=""), today=TODAY, username="wang", name="")


@given(prints=st.integers(min_value=0, max_value=50), requested=st.one_of(st.none(), st.integers(-3, 60)))
def test_a_print_asked_for_again_is_the_same_copy_and_any_other_is_the_next(prints: int, requested: int | None) -> None:
    copy = print_copy(requested=requested, prints=prints)
    assert copy in (prints, prints + 1) and copy >= 1  # the latest print again, or the next one
    assert (copy == prints) == (requested == prints and prints > 0)  # only the latest is given again
    assert print_copy(requested=None, prints=0) == 1  # the first print is the original


def test_the_original_is_not_printed_again_once_a_copy_was() -> None:
    assert print_copy(requested=1, prints=1) == 1  # the viewer's second fetch of the original
    assert print_copy(requested=1, prints=2) == 3  # an old address of the original, after a 补打: a new 补打
    assert print_copy(requested=2, prints=2) == 2
