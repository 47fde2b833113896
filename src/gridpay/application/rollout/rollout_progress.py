"""Rollout progress per village and per month against the year-end target, for the page, the chart and the export."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from gridpay.application.rollout.village_file import plan_of
from gridpay.application.spreadsheet_csv import spreadsheet_csv
from gridpay.application.supply.call_tasks import VillageCalls, calls_by_village
from gridpay.data.models import Account, PromotionEvent, RolloutTarget, SmartPaymentAgreement, Village
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.models.field_work import CallReason
from gridpay.domain.rollout import VillageInvitation, target_accounts

DEFAULT_TARGET_PERCENT = 100  # seed 000: 确保年底前全量完成
NO_CALLS = VillageCalls(made=0, to_make=0)
CSV_HEADER = ["村/社区", "推广月份", "网格员", "推广协助员", "户数", "已签协议", "签约率", "开通前电话", "推广活动"]


@dataclass(frozen=True)
class VillageProgress(VillageInvitation):
    village_id: int
    accounts: int
    signed: int
    first_calls: int  # the call before enabling, made
    first_calls_to_make: int  # and still to make: the same tasks as the grid staff's call list shows
    events: int

    @property
    def share(self) -> float:
        return self.signed / self.accounts if self.accounts else 0.0


@dataclass(frozen=True)
class RolloutReport:
    year: int
    target_percent: int
    villages: list[VillageProgress]
    accounts: int
    signed: int
    target: int  # of the accounts but those of villages planned for later years
    later_accounts: int  # the accounts of villages planned for later years, left out of the target
    months: list[int]  # 1 … 12
    signed_by_month: list[int | None]  # cumulative, town-wide; None for the months that have not come
    planned_by_month: list[int]  # cumulative accounts of villages whose rollout month has come

    @property
    def remaining(self) -> int:
        return max(self.target - self.signed, 0)


def rollout_progress(*, year: int, today: date) -> RolloutReport:
    active = Q(account__status=AccountStatus.ACTIVE)
    villages = Village.objects.select_related("grid_staff").annotate(
        accounts=Count("account", filter=active, distinct=True),
        signed=Count("account__smart_payment_agreement", filter=active, distinct=True),
    ).order_by("rollout_month", "name")
    first_calls = calls_by_village(reason=CallReason.BEFORE_ENABLING, today=today)
    events = dict(PromotionEvent.objects.values_list("village_id").annotate(n=Count("id")).order_by())
    rows = [
        VillageProgress(
            **plan_of(v), village_id=v.id, accounts=v.accounts, signed=v.signed, first_calls=calls.made,
            first_calls_to_make=calls.to_make, events=events.get(v.id, 0),
        )
        for v in villages
        for calls in [first_calls.get(v.id, NO_CALLS)]
    ]
    total = Account.objects.filter(status=AccountStatus.ACTIVE).count()
    target_row = RolloutTarget.objects.filter(year=year).first()
    percent = target_row.target_percent if target_row else DEFAULT_TARGET_PERCENT
    signed_days = list(
        SmartPaymentAgreement.objects.filter(signed_on__year__lte=year).values_list("signed_on", flat=True)
    )
    months = list(range(1, 13))
    # A village planned for a later year is not this year's to sign: its households are not in the year-end target.
    later = sum(r.accounts for r in rows if r.rollout_month is not None and r.rollout_month.year > year)
    return RolloutReport(
        year=year, target_percent=percent, villages=rows, accounts=total, signed=len(signed_days),
        target=target_accounts(accounts=total - later, target_percent=percent), later_accounts=later, months=months,
        signed_by_month=[sum(1 for d in signed_days if (d.year, d.month) <= (year, m))
                         if date(year, m, 1) <= today else None for m in months],
        planned_by_month=[sum(r.accounts for r in rows if _started(r, year, m)) for m in months],
    )


def plan_years() -> list[int]:
    """The years in which the plan has a village's rollout month, in order."""
    months = Village.objects.values_list("rollout_month", flat=True).distinct()
    return sorted({month.year for month in months if month is not None})


def _started(row: VillageProgress, year: int, month: int) -> bool:
    return row.rollout_month is not None and (row.rollout_month.year, row.rollout_month.month) <= (year, month)


def progress_csv(report: RolloutReport) -> bytes:
    """For the town government: one line per village, with the totals."""
    share = report.signed / report.accounts if report.accounts else 0
    return spreadsheet_csv([
        CSV_HEADER,
        *([r.village, f"{r.rollout_month:%Y-%m}" if r.rollout_month else "", r.grid_staff, r.assistant, r.accounts,
           r.signed, f"{r.share:.1%}", r.first_calls, r.events] for r in report.villages),
        ["合计", "", "", "", report.accounts, report.signed, f"{share:.1%}", "", ""],
        [f"{report.year}年底目标", "", "", "", "", report.target, f"{report.target_percent}%", "", ""],
    ])
