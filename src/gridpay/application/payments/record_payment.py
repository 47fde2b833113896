"""Records a payment (交费): the Payment row and its ledger transfer, credited at once, exactly once."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from gridpay.application.errors import AccountClosed, UnknownAccount
from gridpay.application.postpaid.pay_bills import pay_bills_from_credit
from gridpay.application.postpaid.respond_to_cleared_arrears import any_open_case, respond_to_cleared_arrears
from gridpay.application.supply.respond_to_payment import LockedAccount, locked_for_response, respond_to_payment
from gridpay.application.temporary.connect_temporary_supply import connect_when_covered
from gridpay.data import ledger as ledger_store
from gridpay.data import payment_store, row_insert
from gridpay.data.models import Account, AccountMode, Payment, PostpaidBill
from gridpay.data.models.accounts import AccountStatus
from gridpay.domain.channel_payments import ConfirmedPayment
from gridpay.domain.ledger import LedgerAccountKind, Transfer, TransferKind
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import PaymentRequest, RecordedPayment, check_repeat, payment_request
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    account_no: str
    amount_fen: int
    channel: str
    channel_txn_id: str
    received_at: datetime
    replayed: bool  # True when this request repeated a recorded payment and credited nothing
    available_balance_fen: int  # 可用余额 right after the payment was credited


def record_payment(
    *,
    account_no: str,
    amount_fen: int,
    channel: str,
    channel_txn_id: str,
    received_at: datetime,
    business_day: date,
    idempotency_key: str | None = None,
    payer: str = "",
) -> PaymentResult:
    """Credits ``amount_fen`` to the account, from the channel's clearing account.

    A payment is identified by (channel, channel_txn_id), and also by ``idempotency_key`` when
    given: a repeat of the same payment returns the first result with ``replayed=True``; the same
    key with different data raises PaymentConflict. Anyone may pay for any account number.
    """
    request = payment_request(
        account_no=account_no,
        amount_fen=amount_fen,
        channel=channel,
        channel_txn_id=channel_txn_id,
        received_at=received_at,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            return _record(request, business_day=business_day, payer=payer)
    except _LostRace as lost:
        # A concurrent identical request committed first: the unique constraints made us wait for it, and its row
        # is visible now. This attempt was rolled back whole (its transaction, or its savepoint inside a caller's):
        # on PostgreSQL the failed INSERT leaves nothing usable to read the winner with until then.
        recorded = _recorded(request)
        if recorded is None:
            raise lost.error from lost.error.__cause__
        return recorded


class _LostRace(Exception):
    """Writing the payment broke a constraint (the unique keys, when a concurrent identical request won): the attempt
    is rolled back before anything is read again."""

    def __init__(self, error: IntegrityError) -> None:
        super().__init__(str(error))
        self.error = error


def _record(request: PaymentRequest, *, business_day: date, payer: str) -> PaymentResult:
    # One read for the account, whether the request's keys were used, and the channel's clearing account.
    row = payment_store.payable_row(
        account_no=request.account_no, channel=request.channel.value, channel_txn_id=request.channel_txn_id,
        idempotency_key=request.idempotency_key, clearing_code=ledger_store.clearing_code(request.channel),
    )
    recorded = _recorded(request, used=row.key_used if row is not None else None)
    if recorded is not None:
        return recorded
    account = _payable(row.account if row is not None else None, request.account_no, amount_fen=request.amount_fen)
    clearing_id = row.clearing_id if row is not None else None
    if clearing_id is None:  # the channel's first payment makes its clearing account
        clearing_id = ledger_store.system_account(ledger_store.clearing_code(request.channel),
                                                  LedgerAccountKind.CLEARING).id
    try:
        # No savepoint around these (it would cost every payment two statements): a payment that loses the race
        # for the unique keys is rolled back whole, and record_payment reads the winner's after (_LostRace).
        (transfer,) = ledger_store.post(
            [
                Transfer(
                    debit=clearing_id,
                    credit=account.ledger_account_id,
                    amount_fen=request.amount_fen,
                    kind=TransferKind.PAYMENT,
                )
            ],
            business_day=business_day,
            at=request.received_at,
        )
        (payment,) = row_insert.insert([Payment(
            account=account,
            channel=request.channel.value,
            channel_txn_id=request.channel_txn_id,
            amount_fen=request.amount_fen,
            received_at=request.received_at,
            business_day=business_day,
            idempotency_key=request.idempotency_key,
            transfer=transfer,
            payer=payer.strip()[:100],
        )])
    except IntegrityError as error:
        raise _LostRace(error) from error
    balance = transfer.credit_balance_after_fen
    locked: LockedAccount | None = None
    case_open: bool | None = None
    if account.mode == AccountMode.PREPAID:
        # The account's row is locked now, as the response to the payment needs it: read once for both.
        locked = locked_for_response(account.id)
        closed = locked.row.status == AccountStatus.CLOSED
        # An account never billed has no receivable (it is made with the first bill): no bill to look for.
        bills_open = account.receivable_account_id is not None and PostpaidBill.objects.filter(
            account_id=account.id, paid_off_on__isnull=True).exists()
    else:
        # The row locked as lock_accounts locks it (its balance is, by the posting above), for paying the bills and
        # the arrears procedure, with its status, whether a bill is open (whatever opens or pays a bill holds the
        # balance's lock first, so this read sees it done) and whether an arrears case is (open_case looks again).
        status, any_bill, case_open = Account.objects.select_for_update().filter(id=account.id).annotate(
            any_bill=Exists(PostpaidBill.objects.filter(account_id=OuterRef("id"), paid_off_on__isnull=True)),
            case_open=any_open_case(OuterRef("id")),
        ).values_list("status", "any_bill", "case_open").get()
        closed = status == AccountStatus.CLOSED
        bills_open = bool(any_bill) and account.receivable_account_id is not None
        case_open = bool(case_open)
    if balance > 0 and closed:
        # Closed while this payment waited for the balance's lock (a temporary supply ended, its credit refunded):
        # the payment is refused whole rather than left on a closed account.
        raise AccountClosed(gettext_noop("户号 {account_no} 已销户，不能交费"), field="account_no",
                            params={"account_no": request.account_no})
    if bills_open:
        # Open postpaid bills (a postpaid account, or one converted with bills unpaid) are paid first.
        balance = pay_bills_from_credit(account_id=account.id, business_day=business_day,
                                        at=request.received_at, payment_id=payment.id, locked=True)
    if locked is not None:  # prepaid
        respond_to_payment(account_id=account.id, available_balance_fen=balance, at=request.received_at,
                           locked=locked)
        # A temporary supply is connected by the payment that completes its prepaid estimate.
        if locked.temporary:
            connect_when_covered(account_id=account.id, available_balance_fen=balance, at=request.received_at)
    else:
        respond_to_cleared_arrears(account_id=account.id, business_day=business_day, at=request.received_at,
                                   case_open=case_open)
    return PaymentResult(
        payment_id=payment.id,
        account_no=request.account_no,
        amount_fen=payment.amount_fen,
        channel=payment.channel,
        channel_txn_id=payment.channel_txn_id,
        received_at=payment.received_at,
        replayed=False,
        available_balance_fen=balance,
    )


def payable_account(account_no: str, *, amount_fen: int | None = None) -> Account:
    """The account a payment for ``account_no`` goes to; UnknownAccount or AccountClosed otherwise.

    A closed account takes a payment only of what it still owes (a temporary supply that ended short), at most that.
    """
    account = Account.objects.filter(account_no=account_no).only(
        "id", "status", "mode", "ledger_account", "receivable_account").first()
    return _payable(account, account_no, amount_fen=amount_fen)


def _payable(account: Account | None, account_no: str, *, amount_fen: int | None) -> Account:
    """``account`` (payable_account's columns read) if a payment may go to it: see payable_account."""
    if account is None:
        raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account_no",
                             params={"account_no": account_no})
    if account.status == AccountStatus.CLOSED:
        owed = -account.ledger_account.balance_fen
        if owed <= 0:
            raise AccountClosed(gettext_noop("户号 {account_no} 已销户，不能交费"), field="account_no",
                                params={"account_no": account_no})
        if amount_fen is not None and amount_fen > owed:
            raise AccountClosed(gettext_noop("户号 {account_no} 已销户，只能补交欠费 {owed} 元"), field="amount_fen",
                                params={"account_no": account_no, "owed": format_yuan(owed)})
    return account


def _same_key(request: PaymentRequest) -> Q:
    same_key = Q(channel=request.channel.value, channel_txn_id=request.channel_txn_id)
    if request.idempotency_key is not None:
        same_key |= Q(idempotency_key=request.idempotency_key)
    return same_key


def _recorded(request: PaymentRequest, *, used: bool | None = None) -> PaymentResult | None:
    """The first result of the payment this request repeats; PaymentConflict if it differs from it.

    ``used``: whether a payment with the request's keys exists, when the caller read that already (None: look).
    """
    same_key = _same_key(request)
    if used is None:
        used = Payment.objects.filter(same_key).exists()
    if not used:
        return None  # the usual case, a new payment: an index look-up instead of the joined rows
    rows = list(Payment.objects.filter(same_key).select_related("account", "transfer").order_by("id"))
    for row in rows:
        check_repeat(
            request=request,
            recorded=RecordedPayment(
                account_no=row.account.account_no,
                amount_fen=row.amount_fen,
                channel=row.channel,
                channel_txn_id=row.channel_txn_id,
            ),
        )
    if not rows:
        return None
    first = rows[0]
    return PaymentResult(
        payment_id=first.id,
        account_no=first.account.account_no,
        amount_fen=first.amount_fen,
        channel=first.channel,
        channel_txn_id=first.channel_txn_id,
        received_at=first.received_at,
        replayed=True,
        available_balance_fen=_balance_after(first),
    )


def record_confirmed_payment(*, payment: ConfirmedPayment, business_day: date) -> PaymentResult:
    """Credits a payment a channel adapter confirmed: the channel-neutral way into the ledger."""
    return record_payment(
        account_no=payment.account_no,
        amount_fen=payment.amount_fen,
        channel=payment.channel.value,
        channel_txn_id=payment.channel_txn_id,
        received_at=payment.paid_at,
        business_day=business_day,
        payer=payment.payer,
    )


def _balance_after(payment: Payment) -> int:
    """The balance the payment left: after the bills it paid, when it paid any."""
    last_bill_payment = payment.bill_payments.select_related("transfer").order_by("-transfer_id").first()
    if last_bill_payment is not None:
        return last_bill_payment.transfer.debit_balance_after_fen
    return payment.transfer.credit_balance_after_fen
