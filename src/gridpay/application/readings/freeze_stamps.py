"""The freeze time stamps read today, by meter and n: where each of a meter's kept freezes is, until midnight."""

from datetime import date

from gridpay.data.models import FreezeStamp


def stamps_seen(*, meter_ids: list[int], today: date) -> dict[int, dict[int, date]]:
    seen: dict[int, dict[int, date]] = {}
    for meter_id, nth, day in FreezeStamp.objects.filter(meter_id__in=meter_ids, seen_on=today).values_list(
        "meter_id", "nth", "reading_date"
    ):
        seen.setdefault(meter_id, {})[nth] = day
    return seen


def record_stamps(*, today: date, stamps: list[tuple[int, int, date]]) -> None:
    """(meter id, n, the day its nth freeze holds), as read today; a stamp read again replaces the earlier one."""
    latest = {(meter_id, nth): day for meter_id, nth, day in stamps}  # one row per key: an answer may come twice
    FreezeStamp.objects.bulk_create(
        [FreezeStamp(meter_id=meter_id, seen_on=today, nth=nth, reading_date=day)
         for (meter_id, nth), day in latest.items()],
        update_conflicts=True, unique_fields=["meter", "seen_on", "nth"], update_fields=["reading_date"],
    )
