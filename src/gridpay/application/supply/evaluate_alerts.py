"""After a day is settled: balance alerts once per crossing, arrears with its call task, unusual usage (RULES §5–6)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from gridpay.application.supply.call_tasks import CallToOpen, open_call_tasks
from gridpay.application.supply.sms_outbox import Sms, month_day, queue_sms_batch
from gridpay.data.alert_state import (
    days_without_alerts,
    fired_from_column,
    fired_to_column,
    mark_alerts_evaluated,
    set_alert_states,
)
from gridpay.data.calendar_store import load_calendar
from gridpay.data.models.field_work import CallReason
from gridpay.data.queries.supply import AlertInputs, alert_inputs
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain import alerts
from gridpay.domain.account_figures import average_daily_charge_fen, days_left
from gridpay.domain.calendar import Calendar
from gridpay.domain.money import format_yuan
from gridpay.domain.sms_texts import days_left_phrase
from gridpay.domain.supply_policy import SupplyPolicy, disconnect_due_at, next_window_opening, sms_allowed_at

BATCH = 5_000


@dataclass
class _Outbox:
    sms: list[Sms] = field(default_factory=list)
    calls: list[CallToOpen] = field(default_factory=list)


class _Columns:
    """The alerts_fired column as a set of kinds and back, each distinct value worked out once: a town has few."""

    def __init__(self) -> None:
        self._read: dict[str, frozenset[alerts.AlertKind]] = {}
        self._written: dict[frozenset[alerts.AlertKind], str] = {}

    def read(self, column: str) -> frozenset[alerts.AlertKind]:
        if column not in self._read:
            self._read[column] = fired_from_column(column)
        return self._read[column]

    def write(self, fired: frozenset[alerts.AlertKind]) -> str:
        if fired not in self._written:
            self._written[fired] = fired_to_column(fired)
        return self._written[fired]


@dataclass
class AlertRunReport:
    day: date
    accounts: int = 0
    sent: dict[str, int] | None = None  # alert kind → accounts alerted
    unusual_usage: int = 0
    entered_arrears: int = 0
    left_arrears: int = 0


def evaluate_alerts(*, day: date, at: datetime) -> AlertRunReport:
    """Evaluate every active prepaid account as settled through ``day``; ``at`` is now. Running it again
    for the same day queues nothing new (the fired set and the outbox keys say what was done)."""
    policy = load_policy()
    calendar = load_calendar(years=range(day.year, day.year + 2))
    average_days = gridpay_settings().average_days
    inputs = alert_inputs(day=day, history_days=max(policy.unusual_usage.baseline_days + 1, average_days))
    report = AlertRunReport(day=day, accounts=len(inputs), sent={})
    columns = _Columns()
    for start in range(0, len(inputs), BATCH):
        with transaction.atomic():
            outbox = _Outbox()  # the batch's SMS and calls, queued together
            changed = [
                account
                for entry in inputs[start : start + BATCH]
                if (
                    account := _evaluate(
                        entry=entry, day=day, at=at, policy=policy, calendar=calendar, average_days=average_days,
                        report=report, outbox=outbox, columns=columns,
                    )
                )
                is not None
            ]
            queue_sms_batch(outbox.sms, policy=policy, at=at)
            open_call_tasks(outbox.calls, at=at)
            set_alert_states(changed)
    # Marked once every batch committed: a run killed before leaves the day to the next one (which queues nothing
    # twice: the fired sets and the outbox keys say what was done).
    mark_alerts_evaluated(day=day, at=at)
    return report


def evaluate_pending_alerts(*, through: date, at: datetime) -> list[AlertRunReport]:
    """The alerts of every day through ``through`` not evaluated yet, in date order (issue 20): after a settlement run
    killed between its commit and its alerts, the next run or the schedule evaluates them. ``at`` is now."""
    return [evaluate_alerts(day=day, at=at) for day in days_without_alerts(through=through)]


def _evaluate(
    *,
    entry: AlertInputs, day: date, at: datetime, policy: SupplyPolicy, calendar: Calendar, average_days: int,
    report: AlertRunReport, outbox: _Outbox, columns: _Columns,
) -> tuple[int, str, datetime | None] | None:
    """The account's new (id, alerts_fired, arrears_since), if either changed."""
    fired = columns.read(entry.alerts_fired)
    left = days_left(
        available_balance_fen=entry.balance_fen,
        average_daily_charge_fen=average_daily_charge_fen(entry.charges_fen[-average_days:]),
    )
    update = alerts.after_settlement(
        levels=policy.alerts.with_own_first_level(entry.alert_first_fen), fired=fired,
        available_balance_fen=entry.balance_fen, days_left=left,
    )
    arrears_since = entry.arrears_since
    if entry.balance_fen < 0 and arrears_since is None:
        arrears_since = at
        report.entered_arrears += 1
    elif entry.balance_fen >= 0 and arrears_since is not None:
        arrears_since = None
        report.left_arrears += 1
    if update.send is not None and entry.phones:
        _send_alert(
            entry=entry, kind=update.send, left=left, day=day, at=at, arrears_since=arrears_since, policy=policy,
            calendar=calendar, outbox=outbox,
        )
        assert report.sent is not None
        report.sent[update.send.value] = report.sent.get(update.send.value, 0) + 1
    if _unusual(entry, day, policy):
        _send_unusual_usage(entry, day, policy, outbox)
        report.unusual_usage += 1
    new_fired = columns.write(update.fired)
    if new_fired == entry.alerts_fired and arrears_since == entry.arrears_since:
        return None
    return entry.account_id, new_fired, arrears_since


def _send_alert(
    *,
    entry: AlertInputs, kind: alerts.AlertKind, left: int | None, day: date, at: datetime,
    arrears_since: datetime | None, policy: SupplyPolicy, calendar: Calendar, outbox: _Outbox,
) -> None:
    params = {"account_no": entry.account_no, "available_yuan": format_yuan(entry.balance_fen)}
    if kind == alerts.AlertKind.ARREARS:
        due = disconnect_due_at(policy=policy, arrears_at=arrears_since or at)
        opening = next_window_opening(policy=policy, calendar=calendar, at=due) or due
        params["disconnect_day"] = month_day(policy.local(opening).date())
    else:
        params["days_left"] = days_left_phrase(left)
    key = f"alert:{entry.account_id}:{kind.value}:{day.isoformat()}"
    outbox.sms.append(Sms(key=key, phones=entry.phones, kind=kind.value, params=params, account_id=entry.account_id))
    if kind == alerts.AlertKind.ARREARS:
        # 三通电话: the grid staff call on the day the arrears SMS goes out.
        sms_day = policy.local(sms_allowed_at(policy=policy, at=at)).date()
        outbox.calls.append(CallToOpen(entry.account_id, entry.grid_staff_id, CallReason.ARREARS_SMS, sms_day))


def _unusual(entry: AlertInputs, day: date, policy: SupplyPolicy) -> bool:
    if not entry.settled_on_day:
        return False  # no usage settled for this day
    ckwh = entry.energy_ckwh
    if not alerts.may_be_unusual_usage(rule=policy.unusual_usage, history_ckwh=ckwh[:-1], day_ckwh=ckwh[-1]):
        return False  # most accounts: no Decimal made of their days
    energy_kwh = entry.energy_kwh
    return alerts.is_unusual_usage(rule=policy.unusual_usage, history_kwh=energy_kwh[:-1], day_kwh=energy_kwh[-1])


def _send_unusual_usage(entry: AlertInputs, day: date, policy: SupplyPolicy, outbox: _Outbox) -> None:
    energy_kwh = entry.energy_kwh
    baseline = alerts.usage_baseline(rule=policy.unusual_usage, history_kwh=energy_kwh[:-1])
    common = {"account_no": entry.account_no, "day": month_day(day), "day_kwh": str(energy_kwh[-1]),
              "baseline_kwh": str(baseline)}
    key = f"unusual:{entry.account_id}:{day.isoformat()}"
    outbox.sms.append(Sms(key=key, phones=entry.phones, kind="unusual_usage", params=common,
                          account_id=entry.account_id))
    if entry.grid_staff_phone:
        staff = {"account_no": entry.account_no, "customer_name": entry.customer_name, "address": entry.address,
                 "day": common["day"], "day_kwh": common["day_kwh"], "baseline_kwh": common["baseline_kwh"]}
        outbox.sms.append(Sms(key=f"{key}:staff", phones=[entry.grid_staff_phone], kind="unusual_usage_staff",
                              params=staff, account_id=entry.account_id))

