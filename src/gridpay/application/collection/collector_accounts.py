"""The active accounts a collector answers for on a day (their areas' places, or their villages' outside any area)."""

from datetime import date

from gridpay.application.errors import NotFound
from gridpay.data.models import Account, GridStaff
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.domain.texts import gettext_noop


def accounts_answered_by(*, collector: str, day: date) -> list[int]:
    ids = set(GridStaff.objects.filter(name=collector.strip()).values_list("id", flat=True))
    if not ids:
        raise NotFound(gettext_noop("没有名为 {name} 的网格员/收费员"), field="collector", params={"name": collector})
    responsibility = responsibility_on(day)
    return [
        account_id
        for account_id, village_id, transformer_area in Account.objects.filter(status=AccountStatus.ACTIVE)
        .values_list("id", "village_id", "transformer_area").iterator(chunk_size=5000)
        if responsibility.of(village_id=village_id, transformer_area=transformer_area).collector_id in ids
    ]


def collector_names(*, day: date) -> list[str]:
    """Everyone who answers for some place that day: the areas' collectors and the villages' grid staff."""
    return sorted(set(GridStaff.objects.filter(areacollector__valid_from__lte=day)
                      .exclude(areacollector__valid_to__lte=day).values_list("name", flat=True))
                  | set(GridStaff.objects.filter(village__isnull=False).values_list("name", flat=True)))
