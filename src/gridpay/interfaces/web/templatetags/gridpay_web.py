"""Template filters: money in yuan from fen, rates as percentages, codes as their names in the reader's language."""

from collections.abc import Callable
from decimal import Decimal

from django import template
from django.utils.translation import gettext

from gridpay.data.models.accounts import AccountMode, Contact
from gridpay.data.models.field_work import CallOutcome, CallReason, WorkOrderKind
from gridpay.data.models.notifications import NotificationStatus
from gridpay.data.models.rollout import AgreementMethod
from gridpay.domain.arrears_procedure import SYSTEM
from gridpay.domain.green_channel import HardshipKind
from gridpay.domain.ledger import TransferKind
from gridpay.domain.meter_commands import CommandAction, CommandStatus
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.texts import Labelled, label_of

register = template.Library()

# The enums whose codes pages show, by name: a template says whose code it shows, since one code may name two
# things (a notification *pending* is 待发送, a call *pending* 待拨打). Each label is the one beside its member.
LABELLED: dict[str, Callable[[str], Labelled]] = {
    kind.__qualname__: kind
    for kind in (
        AccountMode, AgreementMethod, CallOutcome, CallReason, CommandAction, CommandStatus, Contact.Role,
        HardshipKind, NotificationStatus, PaymentChannel, TransferKind, WorkOrderKind,
    )
}


@register.filter
def yuan(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(int(fen))


@register.filter
def owed(fen: int) -> str:
    """A negative balance as the amount owed: -3393 → 33.93."""
    return format_yuan(-int(fen))


@register.filter
def percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


@register.filter
def label(code: str, kind: str) -> str:
    """A code's label in the reader's language, its enum named: ``{{ c.status|label:"CommandStatus" }}``. An
    unknown code shows as it is; an unknown enum is a mistake in the template, and fails."""
    return gettext(label_of(LABELLED[kind], code))


@register.filter
def translated(text: str) -> str:
    """A name the business rules made in Chinese (a role, an ageing band, an SMS kind), in the reader's language."""
    return gettext(text) if text else text


@register.filter
def actor(by: str) -> str:
    """Who took a step: a person as recorded, the system (a payment, a meter's confirmation) in the reader's words."""
    return gettext("系统") if by == SYSTEM else by
