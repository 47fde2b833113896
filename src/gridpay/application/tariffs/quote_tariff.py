"""The tariff calculator (电费试算): what energy would cost given what was already used this period."""

from datetime import date
from decimal import Decimal

from gridpay.data.tariff_store import load_tariff
from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.tariffs import Quote, price_energy


def quote_tariff(
    *,
    tariff_code: str,
    on: date,
    used_kwh: Decimal,
    energy_kwh: Decimal,
    tou_kwh: dict[TouPeriod, Decimal],
) -> Quote:
    """With ``tou_kwh`` given, the energy is priced by time of use; the rest of the total is flat."""
    version = load_tariff(tariff_code).version_on(on)
    energy = DayEnergy(total_kwh=energy_kwh, tou_kwh=tou_kwh)
    return price_energy(version=version, used_kwh=used_kwh, energy=energy, time_of_use=bool(tou_kwh))
