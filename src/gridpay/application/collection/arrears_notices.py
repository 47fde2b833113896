"""What the public arrears notices (欠费公示) hold, for the CLI and the console: the notices and one notice's lines."""

from dataclasses import dataclass
from datetime import date, datetime

from gridpay.application.errors import NotFound
from gridpay.data.models import ArrearsNotice
from gridpay.data.models.late_payers import PublicationStatus
from gridpay.domain.texts import gettext_noop, label_of


@dataclass(frozen=True)
class NoticeLineView:
    masked_name: str
    masked_account_no: str
    owed_fen: int
    since: date
    days: int


@dataclass(frozen=True)
class ArrearsNoticeView:
    notice_id: int
    village: str
    town: str
    as_of: date
    min_days: int
    status: str
    status_label: str
    accounts: int
    total_fen: int
    created_by: str
    created_at: datetime
    approved_by: str
    approved_at: datetime | None
    printed: int
    lines: tuple[NoticeLineView, ...]


def arrears_notice(*, notice_id: int) -> ArrearsNoticeView:
    notice = ArrearsNotice.objects.select_related("village").filter(id=notice_id).first()
    if notice is None:
        raise NotFound(gettext_noop("没有欠费公示 {notice_id}"), field="id", params={"notice_id": notice_id})
    return view_of(notice)


def arrears_notices(*, status: str = "") -> list[ArrearsNoticeView]:
    notices = ArrearsNotice.objects.select_related("village").order_by("-id")
    if status:
        notices = notices.filter(status=status)
    return [view_of(notice, lines=False) for notice in notices[:200]]


def view_of(notice: ArrearsNotice, *, lines: bool = True) -> ArrearsNoticeView:
    shown = tuple(
        NoticeLineView(line.masked_name, line.masked_account_no, line.owed_fen, line.since, line.days)
        for line in notice.lines.order_by("-days", "masked_account_no", "id")
    ) if lines else ()
    return ArrearsNoticeView(
        notice_id=notice.id, village=notice.village.name, town=notice.village.town, as_of=notice.as_of,
        min_days=notice.min_days, status=notice.status, status_label=label_of(PublicationStatus, notice.status),
        accounts=notice.accounts, total_fen=notice.total_fen, created_by=notice.created_by,
        created_at=notice.created_at, approved_by=notice.approved_by, approved_at=notice.approved_at,
        printed=notice.printed, lines=shown,
    )
