"""Replaces an account's meter (换表): the old one removed with its final reading, the new one installed the same
day with its start reading, so that the day's energy is the old meter's last part plus the new meter's first."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from gridpay.application.errors import InvalidInput, UnknownAccount
from gridpay.data.models import Account, AuditRecord, Meter, Reading
from gridpay.domain.texts import gettext_noop

DLT645_ADDRESS_DIGITS = 12


@dataclass(frozen=True)
class MeterSwap:
    account_no: str
    day: date  # removal of the old meter and installation of the new one
    final_total_kwh: str  # the old meter's register when removed
    new_meter_no: str
    new_dlt645_address: str
    start_total_kwh: str  # the new meter's register when installed


def replace_meter(*, swap: MeterSwap, actor: str, at: datetime, today: date) -> None:
    final = _kwh(swap.final_total_kwh, "final_total_kwh")
    start = _kwh(swap.start_total_kwh, "start_total_kwh")
    address = swap.new_dlt645_address.strip()
    if len(address) != DLT645_ADDRESS_DIGITS or not address.isdigit():
        raise InvalidInput(gettext_noop("新表通信地址应为 12 位数字"), field="new_dlt645_address")
    if not swap.new_meter_no.strip():
        raise InvalidInput(gettext_noop("请填写新表表号"), field="new_meter_no")
    if swap.day > today:
        raise InvalidInput(gettext_noop("换表日期不能晚于今天"), field="day")
    try:
        with transaction.atomic():
            account = Account.objects.select_for_update().filter(account_no=swap.account_no.strip()).first()
            if account is None:
                raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account_no",
                                     params={"account_no": swap.account_no})
            old = Meter.objects.select_for_update().filter(account=account, removed_on__isnull=True).first()
            if old is None:
                raise InvalidInput(gettext_noop("这一户没有在用的电能表"), field="account_no")
            if old.registers != Meter.Registers.TOTAL:
                raise InvalidInput(gettext_noop("分时表换表请按分时读数在后台办理（此页只支持总电量表）"), field="account_no")
            if swap.day <= old.installed_on:
                raise InvalidInput(gettext_noop("换表日期应晚于原表安装日 {installed_on}"), field="day",
                                   params={"installed_on": old.installed_on})
            last = Reading.objects.filter(meter=old).order_by("-reading_date").values_list(
                "reading_date", "total_kwh").first()
            floor_day, floor_kwh = last if last else (old.installed_on, old.start_total_kwh)
            if swap.day < floor_day:
                raise InvalidInput(gettext_noop("换表日期不能早于原表最后读数日 {floor_day}"), field="day",
                                   params={"floor_day": floor_day})
            if final < floor_kwh:
                raise InvalidInput(gettext_noop("拆表读数 {final} 小于原表最后读数 {floor_kwh}"),
                                   field="final_total_kwh", params={"final": final, "floor_kwh": floor_kwh})
            old.removed_on, old.final_total_kwh = swap.day, final
            old.save(update_fields=["removed_on", "final_total_kwh"])
            new = Meter.objects.create(
                meter_no=swap.new_meter_no.strip(), dlt645_address=address, registers=Meter.Registers.TOTAL,
                account=account, installed_on=swap.day, start_total_kwh=start,
            )
            AuditRecord.objects.create(
                at=at, actor=actor[:100], action="meter.replace", target=f"account:{account.account_no}",
                old={"meter_no": old.meter_no, "final_total_kwh": str(final)},
                new={"meter_no": new.meter_no, "dlt645_address": address, "start_total_kwh": str(start),
                     "day": swap.day.isoformat()},
            )
    except IntegrityError:
        raise InvalidInput(gettext_noop("新表表号或通信地址已在使用"), field="new_meter_no") from None


def _kwh(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(gettext_noop("读数应为数字，最多两位小数"), field=field) from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(gettext_noop("读数应为不小于 0 的数字，最多两位小数"), field=field)
    return value.quantize(Decimal("0.01"))
