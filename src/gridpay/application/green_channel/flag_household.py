"""Flags a hardship household into the green channel, or ends its flag: a supervisor or the station head, audited."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridpay.application.errors import UnknownAccount
from gridpay.application.staff.acting_staff import ActingStaff
from gridpay.data.models import Account, AuditRecord, HardshipFlag
from gridpay.domain.errors import DomainError
from gridpay.domain.green_channel import GreenChannelRefused, HardshipKind, hardship_reason
from gridpay.domain.staff_roles import Action, may
from gridpay.domain.texts import gettext_noop


class GreenChannelNotAllowed(DomainError):
    code = "green_channel_not_allowed"
    http_status = 403


@dataclass(frozen=True)
class FlagView:
    account_no: str
    customer_name: str
    kind: str
    kind_label: str
    reason: str
    approved_by: str
    approved_at: datetime
    unflagged_by: str
    unflagged_at: datetime | None
    unflag_reason: str
    replayed: bool = False


def check_allowed(staff: ActingStaff, action: Action, sentence: str) -> None:
    """Refuses ``staff`` unless one of their roles may take ``action``; ``sentence`` says who may."""
    if not may(staff.roles, action):
        raise GreenChannelNotAllowed(sentence, field="as")


def flag_household(*, account_no: str, kind: str, reason: str, staff: ActingStaff, at: datetime) -> FlagView:
    """The household enters the green channel; the same flag again changes nothing."""
    check_allowed(staff, Action.FLAG_HARDSHIP, gettext_noop("只有班长或所长可以批准绿色通道户"))
    checked = hardship_reason(kind=kind, reason=reason)
    with transaction.atomic():
        account = _locked_account(account_no)
        current = HardshipFlag.objects.filter(account=account, unflagged_at__isnull=True).first()
        if current is not None:
            if (current.kind, current.reason) == (checked.kind.value, checked.reason):
                return view_of(current, account, replayed=True)
            raise GreenChannelRefused(
                gettext_noop("户号 {account_no} 已在绿色通道（{kind}），如需更改原因请先取消再重新登记"),
                field="account_no", params={"account_no": account.account_no, "kind": HardshipKind(current.kind).label},
            )
        flag = HardshipFlag.objects.create(account=account, kind=checked.kind.value, reason=checked.reason,
                                           approved_by=staff.actor[:100], approved_at=at)
        AuditRecord.objects.create(
            at=at, actor=staff.actor[:100], action="green.flag", target=f"hardship_flag:{flag.id}",
            new={"account_no": account.account_no, "kind": flag.kind, "reason": flag.reason},
        )
        return view_of(flag, account)


def unflag_household(*, account_no: str, reason: str, staff: ActingStaff, at: datetime) -> FlagView:
    """The household leaves the green channel; its flag stays on record, ended, with who ended it and why."""
    check_allowed(staff, Action.FLAG_HARDSHIP, gettext_noop("只有班长或所长可以取消绿色通道户"))
    reason = " ".join(reason.split())
    if len(reason) < 2:
        raise GreenChannelRefused(gettext_noop("取消绿色通道必须写明原因"), field="reason")
    with transaction.atomic():
        account = _locked_account(account_no)
        current = HardshipFlag.objects.filter(account=account, unflagged_at__isnull=True).first()
        if current is None:
            raise GreenChannelRefused(gettext_noop("户号 {account_no} 不在绿色通道"), field="account_no",
                                      params={"account_no": account.account_no})
        current.unflagged_by = staff.actor[:100]
        current.unflagged_at = at
        current.unflag_reason = reason[:200]
        current.save(update_fields=["unflagged_by", "unflagged_at", "unflag_reason"])
        AuditRecord.objects.create(
            at=at, actor=staff.actor[:100], action="green.unflag", target=f"hardship_flag:{current.id}",
            old={"account_no": account.account_no, "kind": current.kind, "reason": current.reason},
            new={"unflagged_at": at.isoformat()}, note=reason[:500],
        )
        return view_of(current, account)


def view_of(flag: HardshipFlag, account: Account, *, replayed: bool = False) -> FlagView:
    return FlagView(
        account_no=account.account_no, customer_name=account.customer.name, kind=flag.kind,
        kind_label=HardshipKind(flag.kind).label, reason=flag.reason, approved_by=flag.approved_by,
        approved_at=flag.approved_at, unflagged_by=flag.unflagged_by, unflagged_at=flag.unflagged_at,
        unflag_reason=flag.unflag_reason, replayed=replayed,
    )


def _locked_account(account_no: str) -> Account:
    """The account, locked: two approvals of one household at once come one after the other."""
    account = Account.objects.select_for_update(of=("self",)).select_related("customer").filter(
        account_no=account_no.strip()).first()
    if account is None:
        raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account_no",
                             params={"account_no": account_no})
    return account
