"""Who answers for an account's arrears on a day: its collection area's collector (seed 003 分片负责，责任到人)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class AssignmentDateRefused(DomainError):
    code = "assignment_date_refused"


@dataclass(frozen=True)
class Membership:
    """A village (``transformer_area`` empty) or one of its transformer areas in an area over [valid_from, valid_to)."""

    area_id: int
    village_id: int
    transformer_area: str
    valid_from: date
    valid_to: date | None = None

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Assignment:
    """A collector answering for an area over [valid_from, valid_to)."""

    area_id: int
    collector_id: int
    valid_from: date
    valid_to: date | None = None

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Responsible:
    collector_id: int | None
    area_id: int | None  # None: the village is in no area, and its grid staff member answers for it


class Responsibility:
    """The areas and collectors of one day: exactly one person per account whose village has an area or grid staff.

    A transformer area's own membership wins over its village's; a place in no area falls to its village's grid
    staff member (网格员), so nobody in arrears is left without a name while areas are being drawn.
    """

    def __init__(self, *, on: date, members: Iterable[Membership], collectors: Iterable[Assignment],
                 village_staff: Mapping[int, int | None]) -> None:
        self.on = on
        self._area_of = {(m.village_id, m.transformer_area): m.area_id for m in members if m.holds_on(on)}
        self._collector_of_area = {a.area_id: a.collector_id for a in collectors if a.holds_on(on)}
        self._village_staff = dict(village_staff)

    def area_of(self, *, village_id: int | None, transformer_area: str) -> int | None:
        if village_id is None:
            return None
        return self._area_of.get((village_id, transformer_area), self._area_of.get((village_id, "")))

    def of(self, *, village_id: int | None, transformer_area: str) -> Responsible:
        area = self.area_of(village_id=village_id, transformer_area=transformer_area)
        if area is not None and area in self._collector_of_area:
            return Responsible(self._collector_of_area[area], area)
        staff = self._village_staff.get(village_id) if village_id is not None else None
        return Responsible(staff, area)


def check_change_date(*, open_from: date | None, change_from: date) -> None:
    """A change takes effect on or after the day the current assignment began: history is never rewritten."""
    if open_from is not None and change_from < open_from:
        raise AssignmentDateRefused(
            gettext_noop("变更日期 {day} 早于现有安排的起始日 {since}：历史记录不能改写"),
            field="from", params={"day": change_from.isoformat(), "since": open_from.isoformat()},
        )
