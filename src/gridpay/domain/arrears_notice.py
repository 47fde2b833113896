"""What the public arrears notice (欠费公示) and the credit report (征信) show: masked names and numbers, and which
arrears are old enough to be shown."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from gridpay.domain.agents import mask_name
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

__all__ = ["NoticeRefused", "arrears_age_days", "mask_account_no", "mask_name", "old_enough", "prepaid_since_day"]


class NoticeRefused(DomainError):
    code = "arrears_notice_refused"


def mask_account_no(account_no: str) -> str:
    """3301000001 → 33******01: the first and last quarter kept (at least one character each from 4 on), the middle
    hidden, the length unchanged, so a household recognises its number and a passer-by cannot copy it."""
    number = account_no.strip()
    if len(number) < 4:
        return "*" * len(number)
    keep = len(number) // 4
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def arrears_age_days(*, since: date, day: date) -> int:
    """Whole days an account has been in arrears on ``day``, counting from the first day it was (``since``)."""
    return max((day - since).days, 0)


def old_enough(*, since: date, day: date, min_days: int) -> bool:
    """Arrears shown on a notice or reported are at least ``min_days`` old (GRIDPAY_NOTICE_MIN_DAYS and the like)."""
    if min_days < 0:
        raise NoticeRefused(gettext_noop("欠费天数下限不能为负数"), field="min_days")
    return arrears_age_days(since=since, day=day) >= min_days


def prepaid_since_day(*, arrears_since: datetime, zone: ZoneInfo) -> date:
    """The business day a prepaid account's arrears began (its arrears_since instant in the utility's zone)."""
    return arrears_since.astimezone(zone).date()
