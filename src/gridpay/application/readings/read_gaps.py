"""What the daily reads came to since a day: how many (meter, day) were read, are still wanted, or are gaps, and
each gap with its meter, account and reason."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from gridpay.data.models import DailyRead
from gridpay.domain.daily_reads import ReadStatus

GAP_TEXT = {
    "silent": "表计无应答", "not_frozen": "表计未冻结该日（零点失电）", "beyond_depth": "超出表计存储天数",
    "refused": "读数未通过校验",
}


@dataclass(frozen=True)
class ReadGap:
    reading_date: date
    meter_no: str
    account_no: str
    reason: str  # Chinese


@dataclass(frozen=True)
class ReadGaps:
    since: date
    read: int
    wanted: int
    gaps_by_reason: dict[str, int]
    gaps: list[ReadGap]


def read_gaps(*, since: date, limit: int = 1_000) -> ReadGaps:
    rows = DailyRead.objects.filter(reading_date__gte=since)
    counts = Counter(rows.values_list("status", flat=True))
    by_reason = Counter(rows.filter(status=ReadStatus.GAP).values_list("gap_reason", flat=True))
    gaps = [
        ReadGap(day, meter_no, account_no, GAP_TEXT.get(reason, reason))
        for day, meter_no, account_no, reason in rows.filter(status=ReadStatus.GAP)
        .order_by("reading_date", "meter__meter_no")
        .values_list("reading_date", "meter__meter_no", "meter__account__account_no", "gap_reason")[:limit]
    ]
    return ReadGaps(
        since=since, read=counts[ReadStatus.READ], wanted=counts[ReadStatus.WANTED],
        gaps_by_reason={GAP_TEXT.get(r, r): n for r, n in by_reason.items()}, gaps=gaps,
    )
