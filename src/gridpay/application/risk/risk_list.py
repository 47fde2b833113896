"""The ranked warning list: a day's scores, highest first, for a grid staff member or any set of villages/accounts."""

from collections.abc import Callable, Collection
from datetime import date

from gridpay.application.collection.collector_accounts import accounts_answered_by
from gridpay.application.errors import InvalidInput
from gridpay.application.supply.call_tasks import UnknownGridStaff
from gridpay.data.models import GridStaff
from gridpay.data.queries import risk as queries
from gridpay.data.queries.risk import RiskLine, RiskPage
from gridpay.domain.risk_features import Reason
from gridpay.domain.texts import gettext_noop

__all__ = ["RiskLine", "RiskPage", "reason_texts", "risk_list"]


def risk_list(
    *, on: date, grid_staff: str = "", collector: str = "", village_ids: Collection[int] | None = None,
    account_ids: Collection[int] | None = None, offset: int = 0, limit: int = 50,
) -> RiskPage:
    """The latest scores on or before ``on``, highest first. ``grid_staff``: the villages that staff member looks
    after (narrowed further by ``village_ids`` when both are given); ``village_ids``/``account_ids``: any other set,
    such as a collector's area (an account in either set counts). An unknown staff name is refused: an empty list
    would read as "no one at risk". ``collector``: the accounts that person answers for on ``on`` (their collection
    areas, ADR 0019), narrowing ``account_ids`` when both are given."""
    if limit < 1 or offset < 0:
        raise InvalidInput(gettext_noop("列出条数至少为 1"), field="limit")
    if collector:
        theirs = accounts_answered_by(collector=collector, day=on)
        account_ids = theirs if account_ids is None else sorted(set(theirs) & set(account_ids))
        if grid_staff:
            # A collector's accounts within a grid staff member's villages: the accounts in both, not in either.
            _known_staff(grid_staff)
            account_ids = queries.accounts_in_villages(account_ids=account_ids,
                                                       village_ids=queries.village_ids_of_staff(grid_staff))
            grid_staff = ""
    if grid_staff:
        _known_staff(grid_staff)
        own = queries.village_ids_of_staff(grid_staff)
        village_ids = own if village_ids is None else sorted(set(own) & set(village_ids))
    day = queries.latest_scored_day(on_or_before=on)
    if day is None:
        return RiskPage(day=None, total=0, lines=[])
    return queries.risk_lines(day=day, village_ids=village_ids, account_ids=account_ids, offset=offset, limit=limit)


def reason_texts(line: RiskLine, translate: Callable[[str], str] | None = None) -> list[str]:
    """The line's reasons in words: Chinese, or through ``translate`` (gettext) in the reader's language."""
    return [Reason.from_json(value).text(translate) for value in line.reasons]


def _known_staff(name: str) -> None:
    if not GridStaff.objects.filter(name=name).exists():
        names = GridStaff.objects.order_by("name").values_list("name", flat=True)[:20]
        known = "、".join(names) or "（尚无网格员）"
        raise UnknownGridStaff(gettext_noop("没有名为 {name} 的网格员；网格员有：{known}"), field="staff",
                               params={"name": name, "known": known})
