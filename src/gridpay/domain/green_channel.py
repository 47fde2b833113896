"""The green channel (绿色通道, seed 004): hardship households, door-to-door collection and the collectors' cash.

Pure rules: what a valid hardship flag is, the payment identity of a home collection, the photo limits, which
collections a cash hand-in covers and the difference, and when a collection is overdue for settlement (the same or
the next working day after it was taken, by the business calendar).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from gridpay.domain.calendar import Calendar
from gridpay.domain.errors import DomainError
from gridpay.domain.payments import MAX_CHANNEL_TXN_ID_LENGTH
from gridpay.domain.texts import gettext_noop

MAX_REASON_LENGTH = 200
MAX_RECEIPT_NO_LENGTH = 30
# What a phone camera sends, and nothing a browser could run.
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}
# Searching a year ahead for the next working day: even a Spring Festival week with its swaps is far shorter.
_LOOKAHEAD_DAYS = 366


class GreenChannelRefused(DomainError):
    code = "green_channel_refused"


class NotFlagged(DomainError):
    """A home collection for a household that is not in the green channel."""

    code = "not_in_green_channel"
    http_status = 409


class HardshipKind(StrEnum):
    """Why a household is in the green channel."""

    ELDERLY_ALONE = "elderly_alone"  # 独居老人
    DISABLED = "disabled"  # 残疾
    LOW_INCOME = "low_income"  # 低保、特困
    OTHER = "other"  # 其他（须写明）

    @property
    def label(self) -> str:
        return HARDSHIP_LABELS[self]


HARDSHIP_LABELS = {
    HardshipKind.ELDERLY_ALONE: gettext_noop("独居老人"),
    HardshipKind.DISABLED: gettext_noop("残疾"),
    HardshipKind.LOW_INCOME: gettext_noop("低保/特困"),
    HardshipKind.OTHER: gettext_noop("其他困难"),
}


@dataclass(frozen=True)
class HardshipReason:
    kind: HardshipKind
    reason: str  # free text; required for OTHER


def hardship_reason(*, kind: str, reason: str) -> HardshipReason:
    """The flag's reason checked: a known kind, a written reason where the kind says too little."""
    try:
        known = HardshipKind(kind.strip())
    except ValueError:
        choices = "、".join(f"{k.value}（{k.label}）" for k in HardshipKind)
        raise GreenChannelRefused(gettext_noop("未知的困难类别 {kind!r}；可选：{choices}"), field="kind",
                                  params={"kind": kind, "choices": choices}) from None
    reason = " ".join(reason.split())
    if known is HardshipKind.OTHER and len(reason) < 2:
        raise GreenChannelRefused(gettext_noop("类别为“其他困难”时必须写明原因"), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise GreenChannelRefused(gettext_noop("原因最长 {most} 个字"), field="reason",
                                  params={"most": MAX_REASON_LENGTH})
    return HardshipReason(kind=known, reason=reason)


def collection_txn_id(*, collector: str, receipt_no: str) -> str:
    """The payment's channel transaction id: the collector's login and the number of their paper receipt.

    Receipt books are per collector, so two collectors may both have a receipt No. 0001: the pair is the identity.
    """
    collector = collector.strip()
    receipt_no = receipt_no.strip()
    if not receipt_no:
        raise GreenChannelRefused(gettext_noop("请填写收据号（收费员收据本上的编号）"), field="receipt_no")
    if len(receipt_no) > MAX_RECEIPT_NO_LENGTH or not receipt_no.isprintable() or "/" in receipt_no:
        raise GreenChannelRefused(gettext_noop("收据号最长 {most} 个字符，不能含“/”"), field="receipt_no",
                                  params={"most": MAX_RECEIPT_NO_LENGTH})
    txn_id = f"{collector}/{receipt_no}"
    if len(txn_id) > MAX_CHANNEL_TXN_ID_LENGTH:
        raise GreenChannelRefused(gettext_noop("收费员登录名过长，无法生成流水号"), field="collector")
    return txn_id


def check_photo(*, content_type: str, size_bytes: int, max_bytes: int, head: bytes) -> str:
    """The file suffix of an acceptable receipt photo: JPEG or PNG by its first bytes, not only by its name."""
    suffix = PHOTO_TYPES.get(content_type.split(";", maxsplit=1)[0].strip().lower())
    signature_ok = head.startswith(b"\xff\xd8\xff") if suffix == ".jpg" else head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix is None or not signature_ok:
        raise GreenChannelRefused(gettext_noop("照片只能是 JPEG 或 PNG 图片"), field="photo")
    if size_bytes <= 0:
        raise GreenChannelRefused(gettext_noop("照片是空文件"), field="photo")
    if size_bytes > max_bytes:
        raise GreenChannelRefused(gettext_noop("照片不能超过 {most_kb} KB"), field="photo",
                                  params={"most_kb": max_bytes // 1024})
    return suffix


def next_working_day(*, calendar: Calendar, day: date) -> date:
    """The first working day strictly after ``day``."""
    for offset in range(1, _LOOKAHEAD_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day in the year after {day}")  # the calendar marks a whole year rest: a bad table


def settle_by(*, calendar: Calendar, collected_on: date) -> date:
    """The last day the collection's cash may reach the counter: the next working day after it was taken.

    Taken on a working day: that day or the next working day. Taken on a rest day or holiday: by the first working
    day after it (the same or next working day of any reading).
    """
    return next_working_day(calendar=calendar, day=collected_on)


@dataclass(frozen=True)
class Collection:
    """A home collection as settlement sees it."""

    id: int
    amount_fen: int
    collected_on: date


@dataclass(frozen=True)
class HandIn:
    """What a cash hand-in settles: the collections it covers, what they add up to and the difference."""

    covered_ids: tuple[int, ...]
    expected_fen: int  # the sum of the covered collections
    handed_in_fen: int
    difference_fen: int  # handed in minus expected: negative is cash short (短款), positive cash over (长款)


def hand_in(*, unsettled: Sequence[Collection], handed_in_fen: int, business_day: date) -> HandIn:
    """A collector's cash handed in on ``business_day`` settles every unsettled collection taken on or before it.

    The collector hands in all the cash they hold; a different amount is not spread over collections (which of
    them would be short?) but recorded as the hand-in's difference, for the discrepancy list.
    """
    if isinstance(handed_in_fen, bool) or not isinstance(handed_in_fen, int) or handed_in_fen < 0:
        raise GreenChannelRefused(gettext_noop("缴存金额必须是不小于 0 的整数分"), field="amount_fen")
    covered = [c for c in unsettled if c.collected_on <= business_day]
    if not covered:
        raise GreenChannelRefused(gettext_noop("该收费员没有待缴存的上门收费"), field="collector")
    expected = sum(c.amount_fen for c in covered)
    return HandIn(covered_ids=tuple(sorted(c.id for c in covered)), expected_fen=expected,
                  handed_in_fen=handed_in_fen, difference_fen=handed_in_fen - expected)


def overdue(*, calendar: Calendar, collected_on: date, settled_on: date | None, today: date) -> bool:
    """Not settled by the end of its next working day: still unsettled after it, or settled after it."""
    deadline = settle_by(calendar=calendar, collected_on=collected_on)
    return (settled_on is None and today > deadline) or (settled_on is not None and settled_on > deadline)


def years_spanned(days: Iterable[date]) -> set[int]:
    """The calendar years a set of days reaches into, and the next (a deadline may fall in January)."""
    years = {d.year for d in days}
    return years | {y + 1 for y in years}
