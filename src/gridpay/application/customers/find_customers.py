"""Finds accounts by account number (its start), customer name, phone or meter number, a page at a time."""

from dataclasses import dataclass

from gridpay.application.paging import PageInfo, page_of
from gridpay.data.queries.customers import AccountHit, account_hit, accounts_matching

PAGE_SIZE = 30


@dataclass(frozen=True)
class CustomerSearch:
    hits: list[AccountHit]  # this page's
    page: PageInfo  # page.total: how many matched in all


def find_customers(*, query: str, page: int = 1, per_page: int = PAGE_SIZE) -> CustomerSearch:
    rows, info = page_of(accounts_matching(query=query), number=page, per_page=per_page)
    return CustomerSearch(hits=[account_hit(row) for row in rows], page=info)
