"""A month's 电费回收 (应收, 实收; prepaid and postpaid) to a cut-off: the count the report and dashboard share."""

from dataclasses import dataclass
from datetime import date

from gridpay.data.queries import reports as queries
from gridpay.domain.recovery import Recovery, prepaid_recovery


@dataclass(frozen=True)
class MonthRecovery:
    prepaid: Recovery
    postpaid: Recovery
    postpaid_bills: int

    @property
    def total(self) -> Recovery:
        return self.prepaid + self.postpaid


def month_recovery(*, first_day: date, last_day: date, through: date) -> MonthRecovery:
    """Charges of ``first_day``–``through`` and bills issued in the month, and what of them was paid by ``through``."""
    prepaid = prepaid_recovery(accounts=queries.prepaid_charges_and_balances(first_day=first_day, through=through))
    bills, billed_fen, paid_fen = queries.postpaid_bills_issued(first_day=first_day, last_day=last_day, through=through)
    return MonthRecovery(prepaid=prepaid, postpaid=Recovery(due_fen=billed_fen, received_fen=paid_fen),
                         postpaid_bills=bills)
