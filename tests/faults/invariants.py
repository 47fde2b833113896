"""What must hold after every run, crashed or not: each check returns the violations it finds, as sentences."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum

from gridpay.data.ledger import misrecorded_balances, recomputed_balances
from gridpay.data.models import (
    Account,
    ChannelRefusal,
    LedgerAccount,
    MeterCommand,
    Payment,
    PaymentRefund,
    Reconciliation,
    Settlement,
    Transfer,
    WithholdingBatch,
)
from gridpay.domain.meter_commands import LIVE
from tests.faults.driver import World


@dataclass(frozen=True)
class Money:
    """A run's money per account number, to hold a crashed run against its uninterrupted twin."""

    balances: dict[str, int]
    charges: dict[tuple[str, str], int]  # (account, day) → the day's settled charge
    paid: dict[str, list[int]]  # account → amounts credited, sorted
    refunded: dict[str, int]


def violations(world: World) -> list[str]:
    """Every check's findings, and what the run noticed while it ran (a disconnect sent to a paid-up account)."""
    found = list(world.violations)
    for check in CHECKS:
        found += check(world)
    return found


def activity() -> Counter[str]:
    """What a run did, to know the campaign exercises what it claims to."""
    return Counter({
        "payments": Payment.objects.count(),
        "refunds": PaymentRefund.objects.count(),
        "disconnects confirmed": MeterCommand.objects.filter(action="disconnect", status="confirmed").count(),
        "reconnects confirmed": MeterCommand.objects.filter(action="reconnect", status="confirmed").count(),
        "disconnects cancelled before sending": MeterCommand.objects.filter(action="disconnect",
                                                                            status="cancelled").count(),
        "withholding batches": WithholdingBatch.objects.count(),
        "reconciliations": Reconciliation.objects.count(),
        "channel refusals": ChannelRefusal.objects.count(),
        "settlements": Settlement.objects.count(),
    })


def transfers_balance(world: World) -> list[str]:
    """Every transfer is one debit and one credit of the same positive amount: the ledger sums to nothing."""
    found = [f"transfer {t} is not a positive amount between two accounts"
             for t in Transfer.objects.filter(amount_fen__lte=0).values_list("id", flat=True)]
    found += [f"transfer {t} debits and credits one account"
              for t, d, c in Transfer.objects.values_list("id", "debit_id", "credit_id") if d == c]
    total = LedgerAccount.objects.aggregate(total=Sum("balance_fen"))["total"] or 0
    if total != 0:
        found.append(f"the ledger's balances sum to {total}, not 0")
    return found


def balances_are_their_entries(world: World) -> list[str]:
    entries = recomputed_balances()
    return [f"ledger account {code} holds {stored}, its transfers say {entries.get(id_, 0)}"
            for id_, code, stored in LedgerAccount.objects.values_list("id", "code", "balance_fen")
            if stored != entries.get(id_, 0)]


def balances_are_recorded(world: World) -> list[str]:
    """Each transfer carries its accounts' balances right after it, and a cached balance is the last of them."""
    return misrecorded_balances()


def credited_exactly_once(world: World) -> list[str]:
    """Each (channel, txn id) one payment of one transfer of its amount; every acknowledged one is there."""
    found = []
    for channel, txn, count in (Payment.objects.values("channel", "channel_txn_id")
                                .annotate(n=Count("id")).filter(n__gt=1)
                                .values_list("channel", "channel_txn_id", "n")):
        found.append(f"{channel} {txn} credited {count} times")
    for payment in Payment.objects.select_related("transfer"):
        if payment.transfer.amount_fen != payment.amount_fen or payment.transfer.kind != "payment":
            found.append(f"payment {payment.channel} {payment.channel_txn_id} posted as {payment.transfer.kind} "
                         f"{payment.transfer.amount_fen}, not {payment.amount_fen}")
    credited = set(Payment.objects.values_list("channel", "channel_txn_id"))
    found += [f"{channel} {txn} acknowledged to the channel but not credited"
              for channel, txn in sorted(world.acknowledged - credited)]
    return found


def refunds_within_payments(world: World) -> list[str]:
    refunded: Counter[int] = Counter()
    for payment_id, amount in PaymentRefund.objects.values_list("payment_id", "amount_fen"):
        refunded[payment_id] += amount
    duplicates = (PaymentRefund.objects.values("channel", "channel_refund_id").annotate(n=Count("id"))
                  .filter(n__gt=1).values_list("channel_refund_id", flat=True))
    found = [f"refund {r} recorded more than once" for r in duplicates]
    for payment in Payment.objects.filter(id__in=refunded):
        if refunded[payment.id] > payment.amount_fen:
            found.append(f"payment {payment.channel_txn_id} of {payment.amount_fen} refunded {refunded[payment.id]}")
    return found


def refunds_match_the_channel(world: World) -> list[str]:
    """Every refund WeChat Pay made is recorded here, to the fen, and none it did not make (a crash between the
    channel's answer and our record must not lose one; a retry with the same refund number must not add one)."""
    made = {seen.transaction_id: sum(amount for _, amount in seen.refunds)
            for seen in world.wechat.orders.values() if seen.transaction_id}
    recorded: Counter[str] = Counter()
    for txn, amount in PaymentRefund.objects.filter(channel="wechat").values_list("payment__channel_txn_id",
                                                                                   "amount_fen"):
        recorded[txn] += amount
    return [f"wechat {txn}: the channel refunded {made.get(txn, 0)}, recorded here {recorded.get(txn, 0)}"
            for txn in sorted(set(made) | set(recorded)) if made.get(txn, 0) != recorded.get(txn, 0)]


def one_live_command_per_meter(world: World) -> list[str]:
    live = (MeterCommand.objects.filter(status__in=[s.value for s in LIVE]).values("meter_id")
            .annotate(n=Count("id")).filter(n__gt=1).values_list("meter_id", "n"))
    return [f"meter {meter} has {n} live commands" for meter, n in live]


def every_day_settled_once(world: World) -> list[str]:
    plan = world.plan
    days = (plan.last_day - plan.first_day).days + 1
    settled = Counter(Settlement.objects.values_list("account__account_no", flat=True))
    return [f"{account_no} settled {settled[account_no]} days of {days}"
            for account_no in Account.objects.values_list("account_no", flat=True) if settled[account_no] != days]


CHECKS = (transfers_balance, balances_are_their_entries, balances_are_recorded, credited_exactly_once,
          refunds_within_payments, refunds_match_the_channel, one_live_command_per_meter, every_day_settled_once)


def money() -> Money:
    balances = dict(Account.objects.values_list("account_no", "ledger_account__balance_fen"))
    charges = {(a, str(d)): c for a, d, c in Settlement.objects.values_list("account__account_no", "day", "charge_fen")}
    paid: dict[str, list[int]] = defaultdict(list)
    for account_no, amount in Payment.objects.values_list("account__account_no", "amount_fen"):
        paid[account_no].append(amount)
    refunded: Counter[str] = Counter()
    for account_no, amount in PaymentRefund.objects.values_list("payment__account__account_no", "amount_fen"):
        refunded[account_no] += amount
    return Money(balances, charges, {a: sorted(v) for a, v in paid.items()}, dict(refunded))


def differences(crashed: Money, twin: Money) -> list[str]:
    """Where a run that crashed and resumed ended with other money than its uninterrupted twin."""
    found = []
    for name in ("balances", "charges", "paid", "refunded"):
        mine, theirs = getattr(crashed, name), getattr(twin, name)
        for key in sorted(set(mine) | set(theirs), key=str):
            if mine.get(key) != theirs.get(key):
                found.append(f"{name} of {key}: {mine.get(key)} after crashes, {theirs.get(key)} without")
    return found
