"""Settles one account's unsettled days through a day, now (a temporary supply's final settlement): the nightly run's
candidates and pricing (settle_day.price_candidates), for that account alone, in the caller's transaction."""

from datetime import date, datetime, timedelta

from gridpay.application.settlement.settle_day import price_candidates
from gridpay.data import ledger as ledger_store
from gridpay.data import settlement_store as store
from gridpay.data.queries.accounts import last_settled_day
from gridpay.data.tariff_store import load_tariffs_by_id, version_ids
from gridpay.domain.errors import DomainError
from gridpay.domain.ledger import LedgerAccountKind
from gridpay.domain.texts import gettext_noop


class SettlementIncomplete(DomainError):
    code = "settlement_incomplete"
    http_status = 409


def settle_account_through(*, account_id: int, first_day: date, through: date, at: datetime) -> int:
    """Settles each day of the account from the day after its last settled one (``first_day`` if none) through
    ``through``, in order; the fen charged. SettlementIncomplete names the first day that cannot be settled (its
    reading or the day before's is missing, the tariff is not in force), and nothing is written then: the caller's
    transaction rolls back.
    """
    last = last_settled_day(account_id=account_id)  # archived or not: a supply may outlast the months kept
    day = max(first_day, last + timedelta(days=1)) if last else first_day
    if day > through:
        return 0
    tariffs = load_tariffs_by_id()
    versions = {t.code: version_ids(t.code) for t in tariffs.values()}
    revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE).id
    charged = 0
    while day <= through:
        candidates = store.fetch_candidates(day, after_account_id=account_id - 1, last_account_id=account_id)
        outcome = price_candidates(candidates, day=day, tariffs=tariffs, versions=versions)
        if outcome.failures:
            _, _, message = outcome.failures[0]
            raise SettlementIncomplete(gettext_noop("{day} 无法结算：{why}"), field="date",
                                       params={"day": day, "why": message})
        if not len(outcome.settled):
            raise SettlementIncomplete(gettext_noop("缺少 {day} 的读数，无法结算到 {through}"), field="date",
                                       params={"day": day, "through": through})
        store.write_settled(outcome.settled, day=day, revenue_ledger_id=revenue, at=at)
        charged += int(outcome.settled.charge_fen.sum())
        day += timedelta(days=1)
    return charged
