"""The month's figures behind the monthly report (RULES §12)."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

import polars as pl
from django.db.models import Case, CharField, Count, F, IntegerField, Q, Sum, Value, When

from gridpay.data.history_archive import SETTLEMENTS, TRANSFERS, archived, archived_command_count
from gridpay.data.models import (
    Account,
    ArrearsCase,
    BillPayment,
    LateFeeCharge,
    LateFeeWaiver,
    LedgerAccount,
    MeterCommand,
    Notification,
    Payment,
    PaymentRefund,
    PostpaidBill,
    ReconnectCase,
    Settlement,
    SmartPaymentAgreement,
    Transfer,
)
from gridpay.data.models.accounts import AccountStatus
from gridpay.domain.arrears_procedure import Stage
from gridpay.domain.ledger import LedgerAccountKind
from gridpay.domain.payments import RefundKind


def confirmed_commands(*, action: str, start: datetime, end: datetime) -> int:
    """The commands of ``action`` made in [start, end) and confirmed, archived or not."""
    return MeterCommand.objects.filter(
        action=action, status="confirmed", created_at__gte=start, created_at__lt=end
    ).count() + archived_command_count(action=action, status="confirmed", instant="created_at", start=start, end=end)


def reconnection_times(*, start: datetime, end: datetime) -> list[float]:
    """Seconds from payment to confirmed reconnection, for the cases confirmed in the period."""
    return [
        (confirmed - opened).total_seconds()
        for opened, confirmed in ReconnectCase.objects.filter(
            confirmed_at__gte=start, confirmed_at__lt=end
        ).values_list("opened_at", "confirmed_at")
        if confirmed is not None
    ]


def sms_by_kind(*, start: datetime, end: datetime) -> dict[str, int]:
    rows = (
        Notification.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(kind="sign_in_code")
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {kind: n for kind, n in rows}


def agreements(*, first_day: date, last_day: date) -> tuple[int, int, int]:
    """Signed in the month, signed by its end, active accounts now."""
    in_month = SmartPaymentAgreement.objects.filter(signed_on__gte=first_day, signed_on__lte=last_day).count()
    by_end = SmartPaymentAgreement.objects.filter(signed_on__lte=last_day).count()
    return in_month, by_end, Account.objects.filter(status=AccountStatus.ACTIVE).count()


def takings_by(key: Literal["channel", "business_day"], *, first_day: date, last_day: date
               ) -> dict[Any, tuple[int, int]]:
    """The money taken on the business days ``first_day`` to ``last_day`` by channel or by day: (payments, fen), net
    of the reversals (冲正, a counter's void 作废 among them, ADR 0025) posted on those days. A reversal says the
    payment did not really happen: a whole one takes its payment off the count, any one its amount off the money.
    A refund (退款) gives back money that was taken, and stays out of this. Keys netted to nothing are left out.
    What the dashboard, the monthly report and the collection report show as 交费."""
    period = Q(business_day__gte=first_day, business_day__lte=last_day)
    found: dict[Any, tuple[int, int]] = {}
    paid = Payment.objects.filter(period).values_list(key).annotate(n=Count("id"), fen=Sum("amount_fen"))
    # A refund's channel is its payment's, and its business day its own.
    reversed_ = PaymentRefund.objects.filter(period, kind=RefundKind.REVERSAL.value).values_list(key).annotate(
        n=Count("id", filter=Q(amount_fen=F("payment__amount_fen"))), fen=Sum("amount_fen"))
    for rows, sign in ((paid, 1), (reversed_, -1)):
        for found_key, n, fen in rows.order_by():
            payments, money = found.get(found_key, (0, 0))
            found[found_key] = (payments + sign * int(n), money + sign * int(fen or 0))
    return {found_key: figures for found_key, figures in found.items() if figures != (0, 0)}


def prepaid_charges_by_account(*, first_day: date, through: date, moved_after: Mapping[int, int] | None = None
                               ) -> list[tuple[int, int, int]]:
    """Per account settled from ``first_day`` through ``through``: (its id, its charges in fen, its balance in fen
    at the end of ``through``). Three queries whatever the number of accounts; ``moved_after`` is
    customer_moves_after's for ``through`` when the caller has it already."""
    rows = (
        Settlement.objects.filter(day__gte=first_day, day__lte=through)
        .values_list("account_id", "account__ledger_account_id", "account__ledger_account__balance_fen")
        .annotate(fen=Sum("charge_fen"))
        .order_by()
    )
    later = customer_moves_after([through])[through] if moved_after is None else moved_after
    charged = {account_id: [ledger_id, balance, int(fen or 0)] for account_id, ledger_id, balance, fen in rows}
    old = archived(SETTLEMENTS, since=first_day, through=through)
    if old is not None:
        sums = (old.filter((pl.col("day") >= first_day) & (pl.col("day") <= through))
                .group_by("account_id").agg(pl.col("charge_fen").sum()).collect().rows())
        missing = [account_id for account_id, _ in sums if account_id not in charged]
        for account_id, ledger_id, balance in Account.objects.filter(id__in=missing).values_list(
                "id", "ledger_account_id", "ledger_account__balance_fen"):
            charged[account_id] = [ledger_id, balance, 0]
        for account_id, fen in sums:
            charged[account_id][2] += int(fen or 0)
    return [(account_id, fen, balance - later.get(ledger_id, 0))
            for account_id, (ledger_id, balance, fen) in charged.items()]


def customer_balances_at_end_of(day: date, *, moved_after: Mapping[int, int] | None = None) -> dict[int, int]:
    """Every customer ledger account's balance at the end of business day ``day`` (fen): its balance now less what
    was posted on it on later business days."""
    later = customer_moves_after([day])[day] if moved_after is None else moved_after
    return {ledger_id: balance - later.get(ledger_id, 0) for ledger_id, balance in
            LedgerAccount.objects.filter(kind=LedgerAccountKind.CUSTOMER.value).values_list("id", "balance_fen")}


def customer_moves_after(days: Sequence[date]) -> dict[date, dict[int, int]]:
    """For each of ``days``, per customer ledger account: credits less debits posted on business days after it,
    which the cached balance already holds (for the month in progress, nothing). One pass over the transfers after
    the earliest day, whatever the number of days."""
    points = sorted(set(days))
    if not points:
        return {}
    # A transfer counts for every day before its own: bucket it by the last of the days it comes after.
    bucket = Case(*(When(business_day__gt=day, then=Value(index)) for index, day in reversed(list(enumerate(points)))),
                  output_field=IntegerField())
    by_bucket: dict[int, dict[int, int]] = {index: {} for index in range(len(points))}
    after = Transfer.objects.filter(business_day__gt=points[0]).annotate(bucket=bucket)
    for side, sign in (("credit", 1), ("debit", -1)):
        rows = (
            after.filter(**{f"{side}__kind": LedgerAccountKind.CUSTOMER.value})
            .values_list(side, "bucket").annotate(fen=Sum("amount_fen")).order_by()
        )
        for ledger_id, index, fen in [*rows, *_archived_moves(side, points)]:
            moved = by_bucket[index]
            moved[ledger_id] = moved.get(ledger_id, 0) + sign * int(fen or 0)
    found: dict[date, dict[int, int]] = {}
    running: dict[int, int] = {}
    for index in reversed(range(len(points))):
        for ledger_id, fen in by_bucket[index].items():
            running[ledger_id] = running.get(ledger_id, 0) + fen
        found[points[index]] = dict(running)
    return found


def _archived_moves(side: str, points: list[date]) -> list[tuple[int, int, int]]:
    """customer_moves_after's (ledger account, bucket, fen) of one side from the archived months after points[0]."""
    old = archived(TRANSFERS, since=points[0] + timedelta(days=1))
    if old is None:
        return []
    day = pl.col("business_day")
    bucket: Any = pl.when(day > points[-1]).then(len(points) - 1)
    for index in reversed(range(len(points) - 1)):
        bucket = bucket.when(day > points[index]).then(index)
    rows = (old.filter(day > points[0]).with_columns(bucket.otherwise(None).alias("bucket"))
            .group_by(f"{side}_id", "bucket").agg(pl.col("amount_fen").sum()).collect().rows())
    customers = set(LedgerAccount.objects.filter(id__in={row[0] for row in rows},
                                                 kind=LedgerAccountKind.CUSTOMER.value).values_list("id", flat=True))
    return [(ledger_id, index, fen) for ledger_id, index, fen in rows if ledger_id in customers]


def postpaid_bills_by_account(*, first_day: date, last_day: date, through: date) -> list[tuple[int, int, int, int]]:
    """Per account billed from ``first_day`` to ``last_day``: (its id, how many bills, their amount, the principal
    paid on them by the end of ``through``), in fen."""
    issued = PostpaidBill.objects.filter(issued_on__gte=first_day, issued_on__lte=last_day)
    paid = dict(
        BillPayment.objects.filter(bill__in=issued, business_day__lte=through).values("bill__account_id")
        .annotate(fen=Sum("principal_fen")).values_list("bill__account_id", "fen").order_by()
    )
    rows = issued.values("account_id").annotate(n=Count("id"), fen=Sum("amount_fen")).values_list(
        "account_id", "n", "fen").order_by()
    return [(account_id, int(n), int(fen or 0), int(paid.get(account_id) or 0)) for account_id, n, fen in rows]


def payments_per_day(*, first_day: date, last_day: date) -> dict[date, tuple[int, int]]:
    """Payments received on each business day from ``first_day`` to ``last_day``, net of reversals (takings_by):
    (how many, fen); days with none left out."""
    return takings_by("business_day", first_day=first_day, last_day=last_day)


def late_fee_figures(*, first_day: date, through: date) -> tuple[int, int, int, int]:
    """Late fees charged, paid and waived on the business days ``first_day`` to ``through``, and unpaid at the end
    of ``through`` (charged less paid less waived on every bill to then), in fen."""
    in_month = Q(business_day__gte=first_day)
    charged = LateFeeCharge.objects.filter(through__lte=through).aggregate(
        month=Sum("amount_fen", filter=Q(through__gte=first_day)), total=Sum("amount_fen"))
    paid = BillPayment.objects.filter(business_day__lte=through).aggregate(
        month=Sum("late_fee_fen", filter=in_month), total=Sum("late_fee_fen"))
    waived = LateFeeWaiver.objects.filter(business_day__lte=through).aggregate(
        month=Sum("amount_fen", filter=in_month), total=Sum("amount_fen"))
    outstanding = sum(int(row["total"] or 0) * sign for row, sign in ((charged, 1), (paid, -1), (waived, -1)))
    return int(charged["month"] or 0), int(paid["month"] or 0), int(waived["month"] or 0), outstanding


def _recorded(field: str, at: datetime) -> Q:
    return Q(**{f"{field}__lt": at})


def _not_recorded(field: str, at: datetime) -> Q:
    """Not recorded before ``at``: never, or at ``at`` or later."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": at})


def open_cases_by_stage(*, at: datetime) -> dict[str, int]:
    """Arrears cases open at ``at`` by the Stage their records before ``at`` put them in (a case's stored stage is
    today's): the furthest step recorded, as domain.arrears_procedure.stage reads a case file."""
    refused_unacknowledged = Q(red_signed=False) & (
        _not_recorded("supervisor_ack_at", at) | (Q(residential=False) & _not_recorded("head_ack_at", at)))
    stage_then = Case(
        When(_recorded("reconnection_at", at), then=Value(Stage.RECONNECTION_PENDING.value)),
        When(_recorded("executed_at", at), then=Value(Stage.EXECUTED.value)),
        When(_recorded("phone_at", at), then=Value(Stage.PHONE_NOTIFIED.value)),
        When(_recorded("ticket_at", at), then=Value(Stage.TICKET_ISSUED.value)),
        When(_recorded("approved_at", at), then=Value(Stage.APPROVED.value)),
        When(_recorded("red_at", at) & refused_unacknowledged, then=Value(Stage.REFUSAL_PENDING.value)),
        When(_recorded("red_at", at), then=Value(Stage.RED_NOTICE.value)),
        When(_recorded("yellow_at", at), then=Value(Stage.YELLOW_NOTICE.value)),
        default=Value(Stage.OVERDUE.value),
        output_field=CharField(),
    )
    rows = (
        ArrearsCase.objects.filter(_recorded("opened_at", at), _not_recorded("closed_at", at),
                                   _not_recorded("reconnected_at", at))
        .annotate(stage_then=stage_then)
        .values_list("stage_then")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {stage: n for stage, n in rows}


def case_steps(*, start: datetime, end: datetime) -> tuple[int, int, int, int]:
    """Arrears cases opened, closed paid before execution, executed and reconnected in ``[start, end)``."""
    def within(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    row = ArrearsCase.objects.filter(
        within("opened_at") | within("closed_at") | within("executed_at") | within("reconnected_at")
    ).aggregate(
        opened=Count("id", filter=within("opened_at")), closed=Count("id", filter=within("closed_at")),
        executed=Count("id", filter=within("executed_at")), reconnected=Count("id", filter=within("reconnected_at")),
    )
    return int(row["opened"]), int(row["closed"]), int(row["executed"]), int(row["reconnected"])


def case_reconnections(*, start: datetime, end: datetime) -> list[tuple[datetime, datetime, datetime]]:
    """(ticket raised, due by, reconnected) of the arrears cases reconnected in ``[start, end)``."""
    return [
        (ticket, due, done)
        for ticket, due, done in ArrearsCase.objects.filter(reconnected_at__gte=start, reconnected_at__lt=end)
        .values_list("reconnection_at", "reconnection_due_by", "reconnected_at")
        if ticket is not None and due is not None and done is not None
    ]


def reconnection_tickets_overdue(*, at: datetime) -> int:
    """Reconnection tickets raised before ``at``, still not done at ``at``, and past their due time by then."""
    return ArrearsCase.objects.filter(
        _recorded("reconnection_at", at), _recorded("reconnection_due_by", at), _not_recorded("reconnected_at", at)
    ).count()
