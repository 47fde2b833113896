"""Energy in kWh with 2 decimals, the time-of-use periods, and a day's energy split by period."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class InvalidEnergy(DomainError):
    code = "invalid_energy"


class TouPeriod(StrEnum):
    """Time-of-use periods (尖/峰/平/谷). Energy outside any register counts as flat (平)."""

    SHARP = "sharp"
    PEAK = "peak"
    FLAT = "flat"
    VALLEY = "valley"


TOU_LABELS = {TouPeriod.SHARP: "尖", TouPeriod.PEAK: "峰", TouPeriod.FLAT: "平", TouPeriod.VALLEY: "谷"}

CKWH_PER_KWH = 100


# How an energy is written: ASCII digits and a decimal point. Python's Decimal would also take an exponent (1e3), a
# sign, underscores, and the digits of any script (١٢٣, 1２3): no meter or AMI export writes those, and a reading
# that does is a mistake to refuse, not a number to guess at (issue 20).
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def written_plainly(text: str) -> bool:
    """Whether ``text`` (surrounding spaces aside) is a non-negative number as energies are written."""
    return _PLAIN_NUMBER.fullmatch(text.strip()) is not None


def parse_kwh(text: str | Decimal | int, *, field: str = "kwh") -> Decimal:
    """A non-negative energy with at most 2 decimals of kWh; as text, ASCII digits and a decimal point only."""
    if isinstance(text, str) and not written_plainly(text):
        raise InvalidEnergy(gettext_noop("电量应为非负数，只用数字 0–9 和小数点（不用科学计数法）：{text!r}"),
                            field=field, params={"text": text})
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidEnergy(gettext_noop("电量不是数字：{text!r}"), field=field, params={"text": text}) from None
    if not value.is_finite() or value < 0:
        raise InvalidEnergy(gettext_noop("电量必须是非负数：{text!r}"), field=field, params={"text": text})
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidEnergy(gettext_noop("电量最多 2 位小数：{text!r}"), field=field, params={"text": text})
    return value


def to_ckwh(kwh: Decimal) -> int:
    """kWh (2 decimals) → an integer of hundredths of a kWh, the unit all arithmetic runs in."""
    scaled = kwh * CKWH_PER_KWH
    if scaled != scaled.to_integral_value():
        raise InvalidEnergy(gettext_noop("电量最多 2 位小数：{kwh}"), params={"kwh": kwh})
    return int(scaled)


def from_ckwh(ckwh: int) -> Decimal:
    return Decimal(ckwh).scaleb(-2)


@dataclass(frozen=True)
class DayEnergy:
    """Energy of one day: the total, and the time-of-use registers that were read.

    Flat (平) is whatever of the total no other register claims, so a meter without time-of-use
    registers is all flat.
    """

    total_kwh: Decimal
    tou_kwh: Mapping[TouPeriod, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.total_kwh < 0 or any(v < 0 for v in self.tou_kwh.values()):
            raise InvalidEnergy(gettext_noop("电量不能为负"))
        if self.claimed_kwh() > self.total_kwh:
            raise InvalidEnergy(
                gettext_noop("分时电量之和 {claimed} 超过总电量 {total}"), field="total_kwh",
                params={"claimed": self.claimed_kwh(), "total": self.total_kwh},
            )

    def claimed_kwh(self) -> Decimal:
        return sum((v for p, v in self.tou_kwh.items() if p is not TouPeriod.FLAT), Decimal(0))

    def by_period_ckwh(self) -> dict[TouPeriod, int]:
        """Energy per period in hundredths of a kWh; flat takes the rest, so the sum is the total."""
        periods: dict[TouPeriod, int] = {
            p: to_ckwh(v) for p, v in self.tou_kwh.items() if p is not TouPeriod.FLAT and v
        }
        periods[TouPeriod.FLAT] = to_ckwh(self.total_kwh) - sum(periods.values())
        return periods
