"""Replaces an account's meter (换表): the old one removed with its final reading, the new one installed the same
day with its start reading, so that the day's energy is the old meter's last part plus the new meter's first.
A time-of-use meter gives a final and a start for each of its registers (尖峰平谷) as well as the total."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from gridpay.application.errors import InvalidInput, UnknownAccount
from gridpay.data.models import Account, AuditRecord, Meter
from gridpay.data.queries.meters import last_reading
from gridpay.domain.energy import TouPeriod
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
    # A time-of-use meter's registers by period (sharp, peak, flat, valley), as typed; those the meter has are needed.
    final_tou_kwh: Mapping[str, str] = field(default_factory=dict)
    start_tou_kwh: Mapping[str, str] = field(default_factory=dict)


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
            if swap.day <= old.installed_on:
                raise InvalidInput(gettext_noop("换表日期应晚于原表安装日 {installed_on}"), field="day",
                                   params={"installed_on": old.installed_on})
            floor_day, floor = _last_registers(old)
            if swap.day < floor_day:
                raise InvalidInput(gettext_noop("换表日期不能早于原表最后读数日 {floor_day}"), field="day",
                                   params={"floor_day": floor_day})
            if final < floor["total"]:
                raise InvalidInput(gettext_noop("拆表读数 {final} 小于原表最后读数 {floor_kwh}"),
                                   field="final_total_kwh", params={"final": final, "floor_kwh": floor["total"]})
            periods = [p for p in TouPeriod if p.value in floor] if old.registers == Meter.Registers.TOU else []
            final_tou = {p: _kwh(swap.final_tou_kwh.get(p.value, ""), f"final_{p.value}_kwh") for p in periods}
            start_tou = {p: _kwh(swap.start_tou_kwh.get(p.value, "") or "0", f"start_{p.value}_kwh") for p in periods}
            _check_tou_finals(final_tou, floor, total_used=final - floor["total"])
            old.removed_on, old.final_total_kwh = swap.day, final
            for period, value in final_tou.items():
                setattr(old, f"final_{period.value}_kwh", value)
            old.save(update_fields=["removed_on", "final_total_kwh", *(f"final_{p.value}_kwh" for p in periods)])
            new = Meter.objects.create(
                meter_no=swap.new_meter_no.strip(), dlt645_address=address, registers=old.registers,
                register_digits=old.register_digits, account=account, installed_on=swap.day, start_total_kwh=start,
                **{f"start_{p.value}_kwh": v for p, v in start_tou.items()},
            )
            AuditRecord.objects.create(
                at=at, actor=actor[:100], action="meter.replace", target=f"account:{account.account_no}",
                old={"meter_no": old.meter_no, "final_total_kwh": str(final),
                     **{f"final_{p.value}_kwh": str(v) for p, v in final_tou.items()}},
                new={"meter_no": new.meter_no, "dlt645_address": address, "start_total_kwh": str(start),
                     **{f"start_{p.value}_kwh": str(v) for p, v in start_tou.items()}, "day": swap.day.isoformat()},
            )
    except IntegrityError:
        raise InvalidInput(gettext_noop("新表表号或通信地址已在使用"), field="new_meter_no") from None


def tou_registers_in_service(*, account_id: int) -> list[str]:
    """The time-of-use registers (sharp, peak, flat, valley) of the account's meter in service; none for a total one."""
    meter = Meter.objects.filter(account_id=account_id, removed_on__isnull=True).first()
    if meter is None or meter.registers != Meter.Registers.TOU:
        return []
    _, registers = _last_registers(meter)
    return [p.value for p in TouPeriod if p.value in registers]


def _last_registers(meter: Meter) -> tuple[date, dict[str, Decimal]]:
    """A meter's last known registers (its last reading, else its start) by name: total and its TOU periods."""
    names = ["total", *(p.value for p in TouPeriod)]
    last = last_reading(meter.id, ["reading_date", *(f"{n}_kwh" for n in names)])
    if last is None:
        last = (meter.installed_on, *(getattr(meter, f"start_{n}_kwh") for n in names))
    day, *values = last
    return day, {name: value for name, value in zip(names, values, strict=True) if value is not None}


def _check_tou_finals(final_tou: Mapping[TouPeriod, Decimal], floor: Mapping[str, Decimal], *, total_used: Decimal
                      ) -> None:
    """Each register only moves forward, and the periods' energy since the last reading fits in the total's."""
    for period, value in final_tou.items():
        if value < floor[period.value]:
            raise InvalidInput(gettext_noop("拆表分时读数 {final} 小于原表最后读数 {floor_kwh}"),
                               field=f"final_{period.value}_kwh",
                               params={"final": value, "floor_kwh": floor[period.value]})
    # Flat is what falls outside the other registers (domain.energy), so only those must fit in the total.
    claimed = sum((v - floor[p.value] for p, v in final_tou.items() if p is not TouPeriod.FLAT), Decimal(0))
    if claimed > total_used:
        raise InvalidInput(gettext_noop("分时读数增加了 {claimed} 千瓦时，超过总读数增加的 {total} 千瓦时"),
                           field="final_total_kwh", params={"claimed": claimed, "total": total_used})


def _kwh(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(gettext_noop("读数应为数字，最多两位小数"), field=field) from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(gettext_noop("读数应为不小于 0 的数字，最多两位小数"), field=field)
    return value.quantize(Decimal("0.01"))
