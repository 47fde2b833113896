"""The jobs the schedule runs: each reads the clock, calls use cases, and is safe to run twice."""

import logging
from datetime import timedelta

from django.conf import settings

from gridpay.application.collection.queue_campaign_sms import queue_campaign_sms
from gridpay.application.collection.rebuild_chronic_file import rebuild_chronic_file
from gridpay.application.collection.send_reminders import send_reminders
from gridpay.application.errors import InvalidInput
from gridpay.application.history.create_partitions_ahead import create_partitions_ahead
from gridpay.application.payments.withholding.queue_withholdings import queue_withholdings
from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.postpaid.open_arrears_cases import open_arrears_cases
from gridpay.application.risk.score_accounts import score_accounts
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.evaluate_alerts import evaluate_pending_alerts
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.send_notifications import send_notifications
from gridpay.application.temporary.disconnect_expired import disconnect_expired_supplies
from gridpay.data.run_lock import RunInProgress, exclusive_run
from gridpay.integrations.sms.factory import build_provider
from gridpay.interfaces import clock

log = logging.getLogger("gridpay.jobs")
# How long a scheduled run waits for one an operator started before it gives up (and says so in the log).
SETTLEMENT_WAIT_S = 30 * 60
ENFORCE_WAIT_S = 10 * 60
CHRONIC_WAIT_S = 10 * 60


def settle_and_alert() -> str:
    """Nightly: settle every day through yesterday, then the alerts of the balances it moved."""
    yesterday = clock.today() - timedelta(days=1)
    try:
        # An operator's run may hold settlement for a while: wait for it, then settle what is left.
        with exclusive_run("settlement", what="结算", at=clock.now(), wait_s=SETTLEMENT_WAIT_S):
            reports = settle_through(through=yesterday, at=clock.now())
            # Every day's alerts not evaluated yet: yesterday's, and a day's whose run was killed after settling.
            alerts = evaluate_pending_alerts(through=yesterday, at=clock.now())
            withholdings = queue_withholdings(at=clock.now(), business_day=clock.today())
    except RunInProgress as running:
        log.error("nightly settlement did not run: %s", running.message)
        return f"not run: {running.message}"
    sent = {str(a.day): a.sent for a in alerts}
    return f"settled {sum(r.settled for r in reports)} account-days; alerts {sent}; withholdings {withholdings}"


def create_partitions() -> str:
    """Daily: the history tables' partitions of this month and the next three (PostgreSQL; nothing on SQLite)."""
    created = create_partitions_ahead(today=clock.today())
    return f"partitions created: {', '.join(created) or 'none'}"


def postpaid_day() -> str:
    """Each morning, once the night's frozen readings are in: yesterday's reading-day bills, today's late fees (the
    day counts whether it is paid or not), and a case for each account overdue."""
    yesterday = clock.today() - timedelta(days=1)
    try:
        bills = issue_bills(day=yesterday, at=clock.now())
    except RunInProgress as running:
        log.error("postpaid bills did not run: %s", running.message)
        return f"not run: {running.message}"
    accrual = accrue_late_fees(through=clock.today(), at=clock.now())
    opened = open_arrears_cases(day=clock.today(), at=clock.now())
    return (f"bills {bills.issued} of {bills.due} due ({len(bills.without_reading)} without a reading); "
            f"late fees {accrual.charged_fen} fen on {accrual.charged_bills} bills; cases opened {opened}")


def expire_temporary_supplies() -> str:
    """Each morning: the temporary supplies whose planned end has passed unended are disconnected (期满停电)."""
    report = disconnect_expired_supplies(today=clock.today(), at=clock.now())
    return f"temporary supplies disconnected at the end of their term: {len(report.disconnected)}"


def collection_day() -> str:
    """Each morning, after the night's settlement and the postpaid run: the chronic late payers' file rebuilt from the
    history through yesterday (notes kept), then the day's reminders (SMS to the outbox, call tasks, the visit list)
    and the monthly payment reminders. Both are safe to run twice."""
    try:
        report = rebuild_chronic_file(day=clock.today() - timedelta(days=1), at=clock.now(), wait_s=CHRONIC_WAIT_S)
    except RunInProgress as running:
        log.error("chronic late payers' file not rebuilt: %s", running.message)
        return f"not run: {running.message}"
    run = send_reminders(day=clock.today(), at=clock.now())
    return (f"chronic file {report.current} (+{report.added} −{report.left}); reminders: SMS {run.contact_sms}, "
            f"calls {run.calls_opened}, visits {len(run.visits)}, monthly {run.monthly_sms}")


def score_risk() -> str:
    """Nightly, after settlement and the postpaid morning job: each active account's fee-risk score of yesterday."""
    yesterday = clock.today() - timedelta(days=1)
    try:
        report = score_accounts(day=yesterday, at=clock.now())
    except InvalidInput as unsettled:  # the night's settlement has not run (or not finished): say so, score nothing
        log.error("risk scores not computed: %s", unsettled.message)
        return f"not run: {unsettled.message}"
    return (f"risk scores of {report.day}: {report.scored} accounts ({'model' if report.by_model else 'rule'}), "
            f"{report.in_arrears} in arrears not scored")


def enforce() -> str:
    try:
        with exclusive_run("supply.enforce", what="停电执行", at=clock.now(), wait_s=ENFORCE_WAIT_S):
            report = enforce_supply(at=clock.now())
    except RunInProgress as running:
        log.error("disconnection run did not run: %s", running.message)
        return f"not run: {running.message}"
    return f"{report.queued} disconnects queued of {report.candidates} candidates"


def send_sms() -> str:
    report = send_notifications(provider=build_provider(settings.SMS_CONFIG), at=clock.now())
    return f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}"


def campaign_sms() -> str:
    """Each morning: the SMS of the day's campaign rounds (a day without rounds queues nothing; twice sends once)."""
    report = queue_campaign_sms(day=clock.today(), at=clock.now())
    return f"campaign: {report.villages} villages, {report.queued} SMS queued"


def sweep_commands() -> str:
    report = HeadEnd().sweep(at=clock.now())
    return (f"timed out {report.timed_out}, expired {report.expired}, lapsed claims queued again {report.released}, "
            f"alarms {report.alarms}")
