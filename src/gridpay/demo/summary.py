"""What the demo town adds up to: accounts, energy, money settled and paid, accounts below zero, per village; and its
postpaid households' bills, payments, late fees and arrears cases."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum

from gridpay.data.models import (
    Account,
    AccountMode,
    ArrearsCase,
    BillPayment,
    LateFeeCharge,
    LateFeeWaiver,
    Payment,
    PostpaidBill,
    Settlement,
    Village,
)
from gridpay.demo.villages import TOWN
from gridpay.domain.arrears_procedure import Stage


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
    postpaid: int = 0  # accounts
    reading_day: int = 25


@dataclass(frozen=True)
class PostpaidFigures:
    accounts: int
    other: int  # non-residential (非居民): shops, workshops
    important: int  # 重要用户
    bills: int
    billed_fen: int
    billed_kwh: Decimal
    paid_fen: int  # paid on the bills, principal and late fees
    late_fee_paid_fen: int
    late_fee_fen: int  # charged
    late_fee_waived_fen: int
    cases: dict[Stage, int]  # by the stage they are at, in the procedure's order
    executions: int  # disconnections carried out
    remote_executions: int
    reconnections: int  # completed
    reconnections_pending: int

    @property
    def owed_fen(self) -> int:
        return self.billed_fen + self.late_fee_fen - self.late_fee_waived_fen - self.paid_fen


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
    postpaid: PostpaidFigures


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
            postpaid=Count("id", filter=Q(mode=AccountMode.POSTPAID)),
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
                postpaid=a.get("postpaid", 0),
                reading_day=village.reading_day,
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
        postpaid=postpaid_figures(),
    )


def postpaid_figures() -> PostpaidFigures:
    """The town's postpaid accounts, over all their bills, bill payments, late fees and arrears cases."""
    accounts = Account.objects.filter(village__town=TOWN, mode=AccountMode.POSTPAID).aggregate(
        n=Count("id"),
        other=Count("id", filter=~Q(category="residential")),
        important=Count("id", filter=Q(important=True)),
    )
    bills = PostpaidBill.objects.filter(account__village__town=TOWN).aggregate(
        n=Count("id"), fen=Sum("amount_fen"), kwh=Sum("energy_kwh")
    )
    paid = BillPayment.objects.filter(bill__account__village__town=TOWN).aggregate(
        principal=Sum("principal_fen"), fee=Sum("late_fee_fen")
    )
    fees = LateFeeCharge.objects.filter(bill__account__village__town=TOWN).aggregate(fen=Sum("amount_fen"))
    waived = LateFeeWaiver.objects.filter(bill__account__village__town=TOWN).aggregate(fen=Sum("amount_fen"))
    cases = ArrearsCase.objects.filter(account__village__town=TOWN)
    by_stage = dict(cases.values_list("stage").annotate(n=Count("id")).order_by())
    return PostpaidFigures(
        accounts=accounts["n"],
        other=accounts["other"],
        important=accounts["important"],
        bills=bills["n"],
        billed_fen=bills["fen"] or 0,
        billed_kwh=Decimal(bills["kwh"] or 0).quantize(Decimal("0.01")),
        paid_fen=(paid["principal"] or 0) + (paid["fee"] or 0),
        late_fee_paid_fen=paid["fee"] or 0,
        late_fee_fen=fees["fen"] or 0,
        late_fee_waived_fen=waived["fen"] or 0,
        cases={stage: by_stage[stage.value] for stage in Stage if by_stage.get(stage.value)},
        executions=cases.filter(executed_at__isnull=False).count(),
        remote_executions=cases.filter(executed_at__isnull=False, executed_remote=True).count(),
        reconnections=cases.filter(reconnected_at__isnull=False).count(),
        reconnections_pending=cases.filter(stage=Stage.RECONNECTION_PENDING.value).count(),
    )
