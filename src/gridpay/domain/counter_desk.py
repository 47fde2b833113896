"""The counter's guard rails (issue 17): large amounts typed twice, amounts above the limit only with a supervisor's
authorisation, a cashier's void of their own payment the same business day, and which print of a receipt is which."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


class CounterRefused(DomainError):
    """What the cashier typed cannot be taken as it stands: typed twice unequal, or above the limit unauthorised."""

    code = "counter_refused"


class VoidRefused(DomainError):
    """This payment cannot be voided at the counter: it conflicts with what is recorded of it."""

    code = "void_refused"
    http_status = 409


class AuthorisationRefused(DomainError):
    """The person named to authorise cannot: wrong password, not a supervisor or station head, or the cashier."""

    code = "authorisation_refused"
    http_status = 403


# The console's words, naming its fields; the command line says the same in its options' names (the templates let it
# tell these refusals apart).
TYPE_IT_AGAIN = gettext_noop("金额超过 {threshold} 元，请在“再次输入金额”中再输入一遍")
NEEDS_AUTHORISATION = gettext_noop(
    "金额 {amount} 元超过柜台单笔限额 {limit} 元：须由班长或所长输入登录名和密码授权，否则不能收费")


@dataclass(frozen=True)
class CounterLimits:
    """A utility's counter limits, in fen: amounts above ``typed_twice_above_fen`` are typed twice; amounts above
    ``authorise_above_fen`` (None: no limit) need a supervisor's or the station head's authorisation."""

    typed_twice_above_fen: int
    authorise_above_fen: int | None


def check_typed_twice(*, amount_fen: int, confirmed_fen: int | None, limits: CounterLimits) -> None:
    """A large amount is typed a second time and the two agree: one extra zero would otherwise be credited."""
    if amount_fen <= limits.typed_twice_above_fen or confirmed_fen == amount_fen:
        return
    if confirmed_fen is None:
        raise CounterRefused(
            TYPE_IT_AGAIN, field="amount_confirm",
            params={"threshold": format_yuan(limits.typed_twice_above_fen)},
        )
    raise CounterRefused(
        gettext_noop("两次输入的金额不一致（{first} 元与 {second} 元），请核对后重新输入"), field="amount_confirm",
        params={"first": format_yuan(amount_fen), "second": format_yuan(confirmed_fen)},
    )


def needs_authorisation(*, amount_fen: int, limits: CounterLimits) -> bool:
    return limits.authorise_above_fen is not None and amount_fen > limits.authorise_above_fen


def refuse_unauthorised(*, amount_fen: int, limits: CounterLimits) -> CounterRefused:
    return CounterRefused(
        NEEDS_AUTHORISATION,
        field="supervisor_username",
        params={"amount": format_yuan(amount_fen), "limit": format_yuan(limits.authorise_above_fen or 0)},
    )


def check_authoriser(*, authoriser: tuple[str, ...], roles: Iterable[Role], cashier: tuple[str, ...]) -> None:
    """A supervisor or the station head authorises, and never the cashier they authorise (four eyes). Each person
    is named by their login first, then by their name (the one a receipt prints): two with logins are the same
    person only by their logins (two staff may share a name); one named in words only (the command line's) by
    anything either is called."""
    both_logged_in = bool(authoriser[0] and cashier[0])
    if authoriser[0] == cashier[0] if both_logged_in else (set(authoriser) & set(cashier)) - {""}:
        raise AuthorisationRefused(gettext_noop("不能为自己授权：须由另一位班长或所长授权"),
                                   field="supervisor_username")
    if not may(roles, Action.AUTHORISE_AT_COUNTER):
        login, name = authoriser[0], authoriser[-1]
        raise AuthorisationRefused(gettext_noop("{authoriser} 不是班长或所长，不能授权"), field="supervisor_username",
                                   params={"authoriser": f"{name}（{login}）" if name and name != login else login})


@dataclass(frozen=True)
class CounterPaymentOnRecord:
    """What the void rules look at of a counter payment."""

    business_day: date
    taken_by: str  # the cashier's login; "" when the command line named them in words only
    cashier: str  # the name the receipt prints
    refunded_fen: int  # refunded or reversed before
    paid_bills_fen: int  # of a postpaid account's bills it paid (冲抵)


def check_void(*, payment: CounterPaymentOnRecord, today: date, username: str, name: str) -> None:
    """A cashier voids their own counter payment, the business day it was taken, before anything else undid it.

    Later, or someone else's, is a refund, with its own papers; money that paid a postpaid bill is not the counter's
    to take back (the bill would stay paid by money that left)."""
    if payment.business_day != today:
        raise VoidRefused(
            gettext_noop("只能作废当天（营业日 {today}）的柜台交费；这笔是 {day} 收的，请按退费办理"),
            field="receipt_no", params={"today": today.isoformat(), "day": payment.business_day.isoformat()},
        )
    own = payment.taken_by == username if payment.taken_by else payment.cashier in {username, name} - {""}
    if not own:
        raise VoidRefused(gettext_noop("只能作废本人收的交费：这笔由 {cashier} 收取"), field="receipt_no",
                          params={"cashier": payment.cashier})
    if payment.refunded_fen:
        raise VoidRefused(gettext_noop("这笔交费已退款或冲正 {amount} 元，不能再作废"), field="receipt_no",
                          params={"amount": format_yuan(payment.refunded_fen)})
    if payment.paid_bills_fen:
        raise VoidRefused(
            gettext_noop("这笔交费已冲抵后付费电费单 {amount} 元，柜台不能作废；请按退费办理"), field="receipt_no",
            params={"amount": format_yuan(payment.paid_bills_fen)},
        )


@dataclass(frozen=True)
class VoidMark:
    """What a voided receipt prints of its void (作废)."""

    voided_at: datetime
    voided_by: str
    authorised_by: str
    reason: str


def void_refund_id(receipt_no: str) -> str:
    """The void's refund id, derived from the receipt: a void sent again finds its first one and moves nothing."""
    return f"作废:{receipt_no}"


def print_copy(*, requested: int | None, prints: int) -> int:
    """Which print of a receipt this one is (1: the original). ``requested`` naming the latest print (a browser that
    fetches a PDF twice, a reload) is that copy again, not counted twice; any other (None, an earlier print, one
    beyond) is the next one: an earlier copy, the original above all, is never printed again unmarked once a later
    one was. The caller counts it when it is above ``prints``."""
    if requested is not None and requested == prints >= 1:
        return requested
    return prints + 1
