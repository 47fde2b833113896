"""The first low-balance amount a customer chooses for an account in the portal (RULES §5: the station's 50 yuan
unless they want to hear earlier); the second level and the days-left level stay the station's."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput
from gridpay.application.portal.my_accounts import owned_account
from gridpay.data.models import Account, AuditRecord
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.money import InvalidAmount, fen_from_yuan_text
from gridpay.domain.portal_sign_in import mask_phone
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class AlertLevel:
    own_fen: int | None  # the customer's choice; None: the station's
    first_fen: int  # the first level that applies
    station_first_fen: int
    second_fen: int
    days_left: int


def alert_level(*, phone: str, account_no: str) -> AlertLevel:
    account = owned_account(phone=phone, account_no=account_no)
    station = load_policy().alerts
    own = account.alert_first_fen
    return AlertLevel(own, station.with_own_first_level(own).first_fen, station.first_fen, station.second_fen,
                      station.days_left)


def set_alert_level(*, phone: str, account_no: str, amount_yuan: str, at: datetime) -> None:
    """``amount_yuan`` empty goes back to the station's level."""
    text = amount_yuan.strip()
    try:
        own = fen_from_yuan_text(text) if text else None
    except InvalidAmount:
        raise InvalidInput(gettext_noop("请输入金额，例如 100 或 100.50"), field="alert_first_fen") from None
    if own is not None:
        load_policy().alerts.check_own_first_level(own)
    with transaction.atomic():
        account = owned_account(phone=phone, account_no=account_no)
        old = Account.objects.select_for_update().values_list("alert_first_fen", flat=True).get(id=account.id)
        if old == own:
            return
        Account.objects.filter(id=account.id).update(alert_first_fen=own)
        AuditRecord.objects.create(at=at, actor=f"客户 {mask_phone(phone)}", action="portal.alert_level",
                                   target=f"account:{account.account_no}", old={"alert_first_fen": old},
                                   new={"alert_first_fen": own})
