"""A long list a page at a time (Django's Paginator): which page, how many pages and items in all, its neighbours."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet


@dataclass(frozen=True)
class PageInfo:
    number: int  # from 1
    pages: int
    total: int  # items on every page together
    first: int  # this page's first item, counted from 1 over all pages (0 when there is none)
    last: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_of(items: QuerySet[Any] | Sequence[Any], *, number: int, per_page: int) -> tuple[list[Any], PageInfo]:
    """The items of page ``number`` (an ordered query is counted and sliced by the database, never loaded whole);
    a number past either end gives the nearest page, so a link to a page that has just emptied still shows one."""
    shown = Paginator(items, per_page).get_page(number)
    return list(shown), PageInfo(number=shown.number, pages=shown.paginator.num_pages, total=shown.paginator.count,
                                 first=shown.start_index(), last=shown.end_index())


def page_number(text: str | None) -> int:
    """``?page=`` as a page number: anything that is not one reads as the first page."""
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1
