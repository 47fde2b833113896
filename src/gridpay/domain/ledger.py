"""Double-entry ledger rules: immutable transfers of positive fen between two different accounts.

Every ledger account's balance is kept as credits minus debits, so the balances of all accounts
always add up to zero. A customer's balance is what the utility owes the customer (prepaid
money not yet used); a clearing account's balance is negative (money held at a channel).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class InvalidTransfer(DomainError):
    code = "invalid_transfer"


class LedgerAccountKind(StrEnum):
    CUSTOMER = "customer"  # prepaid balance of one electricity account (账户余额)
    REVENUE = "revenue"  # electricity sales (电费收入)
    CLEARING = "clearing"  # money received through a payment channel, due from the channel
    OPENING = "opening"  # balances brought in from the system gridpay replaces
    RECEIVABLE = "receivable"  # a postpaid account's bills and late fees not yet paid (应收电费), negative when owed


class TransferKind(StrEnum):
    SETTLEMENT = "settlement"
    PAYMENT = "payment"
    BILL_ADJUSTMENT = "bill_adjustment"
    OPENING_BALANCE = "opening_balance"
    REFUND = "refund"  # money of a payment going back: a refund to the payer, or a reversal
    REFUND_CLOSED = "refund_closed"  # a refund the channel closed unmade: its money back on the account
    POSTPAID_BILL = "postpaid_bill"  # a postpaid bill issued: owed on the account's receivable
    LATE_FEE = "late_fee"  # 电费违约金 charged on an overdue bill
    LATE_FEE_WAIVER = "late_fee_waiver"  # late fee a station head waived
    BILL_PAYMENT = "bill_payment"  # the account's credit paying its bills (冲抵)

    @property
    def label(self) -> str:
        return TRANSFER_LABELS[self]


TRANSFER_LABELS = {
    TransferKind.SETTLEMENT: gettext_noop("电费结算"),
    TransferKind.PAYMENT: gettext_noop("交费"),
    TransferKind.BILL_ADJUSTMENT: gettext_noop("月度电费调整"),
    TransferKind.OPENING_BALANCE: gettext_noop("期初余额"),
    TransferKind.REFUND: gettext_noop("退款"),
    TransferKind.REFUND_CLOSED: gettext_noop("退款关闭，退回余额"),
    TransferKind.POSTPAID_BILL: gettext_noop("后付费电费发行"),
    TransferKind.LATE_FEE: gettext_noop("电费违约金"),
    TransferKind.LATE_FEE_WAIVER: gettext_noop("违约金减免"),
    TransferKind.BILL_PAYMENT: gettext_noop("交费冲抵电费"),
}


@dataclass(frozen=True)
class Transfer:
    debit: int
    credit: int
    amount_fen: int
    kind: TransferKind

    def __post_init__(self) -> None:
        if not isinstance(self.amount_fen, int) or self.amount_fen <= 0:
            raise InvalidTransfer(gettext_noop("转账金额必须为正整数分：{amount_fen}"), field="amount_fen",
                                  params={"amount_fen": self.amount_fen})
        if self.debit == self.credit:
            raise InvalidTransfer(gettext_noop("借方与贷方不能是同一账户"))
        check_kind(self.kind)


def check_kind(kind: object) -> None:
    # Every kind on the ledger is a member: statements, reports and the database's check know them all.
    if not isinstance(kind, TransferKind):
        raise InvalidTransfer(gettext_noop("未知的转账类型：{kind}"), field="kind", params={"kind": repr(kind)})


def transfer_toward(*, to: int, counterpart: int, amount_fen: int, kind: TransferKind) -> Transfer | None:
    """A transfer that raises ``to`` by ``amount_fen`` (lowers it when negative); None for zero."""
    if amount_fen == 0:
        return None
    if amount_fen > 0:
        return Transfer(debit=counterpart, credit=to, amount_fen=amount_fen, kind=kind)
    return Transfer(debit=to, credit=counterpart, amount_fen=-amount_fen, kind=kind)


def balances(transfers: Iterable[Transfer]) -> dict[int, int]:
    """Credits minus debits per account."""
    result: dict[int, int] = defaultdict(int)
    for t in transfers:
        result[t.credit] += t.amount_fen
        result[t.debit] -= t.amount_fen
    return dict(result)
