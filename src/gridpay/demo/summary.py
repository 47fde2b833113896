"""What the demo town adds up to: accounts, energy, money settled and paid, accounts below zero, per village."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum

from gridpay.data.models import Account, Payment, Settlement, Village
from gridpay.demo.villages import TOWN


@dataclass(frozen=True)
class VillageFigures:
    village: str
    grid_staff: str
    rollout_month: date | None
    accounts: int
    energy_kwh: Decimal
    settled_fen: int
    paid_fen: int
    below_zero: int  # accounts whose available balance is below zero


@dataclass(frozen=True)
class DemoSummary:
    town: str
    first_day: date | None  # first and last settled day
    last_day: date | None
    accounts: int
    time_of_use: int
    protected: int
    energy_kwh: Decimal
    settled_fen: int
    payments: int
    paid_fen: int
    below_zero: int
    villages: list[VillageFigures]


def demo_summary() -> DemoSummary:
    """Figures of every account of the town, over all its settlements and payments."""
    accounts = {
        row["village_id"]: row
        for row in Account.objects.filter(village__town=TOWN)
        .values("village_id")
        .annotate(
            n=Count("id"),
            below_zero=Count("id", filter=Q(ledger_account__balance_fen__lt=0)),
            tou=Count("id", filter=Q(time_of_use=True)),
            protected=Count("id", filter=Q(protected=True)),
        )
    }
    settled = {
        row["account__village_id"]: row
        for row in Settlement.objects.filter(account__village__town=TOWN)
        .values("account__village_id")
        .annotate(energy=Sum("energy_kwh"), charged=Sum("charge_fen"), first=Min("day"), last=Max("day"))
    }
    paid = {
        row["account__village_id"]: row
        for row in Payment.objects.filter(account__village__town=TOWN)
        .values("account__village_id")
        .annotate(n=Count("id"), amount=Sum("amount_fen"))
    }
    villages = []
    for village in Village.objects.filter(town=TOWN).select_related("grid_staff").order_by("rollout_month", "id"):
        a, s, p = accounts.get(village.id, {}), settled.get(village.id, {}), paid.get(village.id, {})
        villages.append(
            VillageFigures(
                village=village.name,
                grid_staff=village.grid_staff.name if village.grid_staff else "",
                rollout_month=village.rollout_month,
                accounts=a.get("n", 0),
                energy_kwh=Decimal(s.get("energy") or 0).quantize(Decimal("0.01")),
                settled_fen=s.get("charged") or 0,
                paid_fen=p.get("amount") or 0,
                below_zero=a.get("below_zero", 0),
            )
        )
    firsts = [row["first"] for row in settled.values()]
    lasts = [row["last"] for row in settled.values()]
    return DemoSummary(
        town=TOWN,
        first_day=min(firsts) if firsts else None,
        last_day=max(lasts) if lasts else None,
        accounts=sum(v.accounts for v in villages),
        time_of_use=sum(row["tou"] for row in accounts.values()),
        protected=sum(row["protected"] for row in accounts.values()),
        energy_kwh=sum((v.energy_kwh for v in villages), Decimal("0.00")),
        settled_fen=sum(v.settled_fen for v in villages),
        payments=sum(row["n"] for row in paid.values()),
        paid_fen=sum(v.paid_fen for v in villages),
        below_zero=sum(v.below_zero for v in villages),
        villages=villages,
    )
