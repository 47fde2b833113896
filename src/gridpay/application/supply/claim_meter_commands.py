"""Hands the gateway the commands due now to send; a disconnect whose arrears were paid is cancelled instead.

This is the re-check "just before sending" (RULES §6): the balance is read in the same transaction
that claims the command, with the command rows locked, so a payment either committed before (and
the disconnect is cancelled) or waits for this to commit (and queues its reconnect behind it: a
*sending* command is live, like a sent one).

A gateway that publishes over a network claims with ``lease=True``: the commands are *sending*
until the broker acknowledges their frames (claim_outcomes.sent), back in the queue if it does not
(claim_outcomes.unsent), and due again by themselves once the lease runs out (the sweep). A
transport that hands a frame over within the call (the demo town, the scenario tests) claims them
sent at once.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from gridpay.data import meter_command_store, postpaid_store
from gridpay.data.models import AccountMode, MeterCommand
from gridpay.data.queries.instants import Timer
from gridpay.data.queries.served import served_first
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day
from gridpay.domain.command_queue import Finish, before_sending
from gridpay.domain.meter_commands import CommandAction, CommandPolicy, CommandStatus, frame_expiry
from gridpay.integrations.headend.wake import wake_gateway


@dataclass(frozen=True)
class Outgoing:
    command_id: int
    address: str  # the meter's DL/T 645 address
    action: CommandAction
    frame_expires_at: datetime  # 命令截止时间 (UTC); the gateway writes it in the meter's local time
    direct_close: bool = False  # the meter's model takes 1C (直接合闸); else a reconnect is 1B
    password_level: int | None = None  # the model's PA, where it differs from the utility's default


@dataclass(frozen=True)
class Claim:
    outgoing: list[Outgoing]
    lease_until: datetime | None  # None: claimed as sent at once
    queued: int = 0  # held commands queued in place of those that ended instead of going out (due now)


_ORDER = ("next_attempt_at", "id")
CLAIMABLE = Timer(MeterCommand, Q(status=CommandStatus.QUEUED), "next_attempt_at")  # due: a claim hands it over


def claimable(at: datetime) -> Q:
    """The commands a claim at ``at`` hands over (or ends instead)."""
    return CLAIMABLE.due(at)


def claim_meter_commands(
    *, at: datetime, limit: int = 5_000, policy: CommandPolicy | None = None, lease: bool = False,
    keys: Collection[str] | None = None,
) -> Claim:
    """``keys``: the share keys of the meters this gateway serves (gateway_members); None: every meter. Only the
    commands of those meters are claimed; the claim itself stays atomic (rows locked, skipped when another gateway
    holds them, marked in the same transaction), so a command goes out once even while the gateways' shares move."""
    policy = policy or CommandPolicy()
    lease_until = at + timedelta(seconds=policy.send_lease_s) if lease else None
    due = served_first(MeterCommand.objects.filter(claimable(at)), address_field="meter__dlt645_address", keys=keys,
                       order=_ORDER, count=limit)
    if not due.exists():
        return Claim(outgoing=[], lease_until=lease_until)  # most asks find nothing: one cheap read, no joins
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .order_by(*_ORDER)
            .values_list(
                "id", "action", "valid_until", "meter__dlt645_address", "account__ledger_account__balance_fen",
                "account__protected", "meter__model__direct_close", "meter__model__password_level",
                "account__mode", "account_id",
            )[:limit]
        )
        postpaid = [row[-1] for row in rows if row[-2] == AccountMode.POSTPAID]
        arrears = postpaid_store.arrears_by_account(
            postpaid, day=business_day(instant=at, zone=gridpay_settings().business_time_zone)) if postpaid else {}
        outgoing: list[Outgoing] = []
        ended: dict[int, Finish] = {}
        for command_id, action, valid_until, address, credit_fen, protected, direct_close, level, mode, account in rows:
            # A postpaid account's disconnect stands while it is in arrears on its bills (ADR 0017).
            balance_fen = credit_fen if mode == AccountMode.PREPAID else -arrears.get(account, 0)
            ending = before_sending(action=CommandAction(action), at=at, valid_until=valid_until,
                                    balance_fen=balance_fen, protected=protected)
            if ending is not None:
                ended[command_id] = ending
            else:
                expires = frame_expiry(policy=policy, sent_at=at, valid_until=valid_until)
                outgoing.append(
                    Outgoing(command_id, address, CommandAction(action), expires, bool(direct_close), level)
                )
        if outgoing and lease_until is not None:
            # No attempt is counted and no "sent" event written yet: the broker has not got the frame.
            MeterCommand.objects.filter(id__in=[o.command_id for o in outgoing]).update(
                status=CommandStatus.SENDING.value, lease_until=lease_until
            )
        elif outgoing:
            MeterCommand.objects.filter(id__in=[o.command_id for o in outgoing]).update(
                status=CommandStatus.SENT.value, attempts=F("attempts") + 1, sent_at=at,
                answer_due_at=at + timedelta(seconds=policy.answer_timeout_s),
            )
            meter_command_store.add_events((o.command_id, at, CommandStatus.SENT.value, "") for o in outgoing)
        queued = sum(
            meter_command_store.finish(command, ended[command.id], at=at)
            for command in MeterCommand.objects.filter(id__in=list(ended))
        )
        if queued:
            wake_gateway()
    return Claim(outgoing=outgoing, lease_until=lease_until, queued=queued)
