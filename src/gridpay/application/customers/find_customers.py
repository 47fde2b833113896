"""Finds accounts by account number (its start), customer name, phone or meter number."""

from gridpay.data.queries.customers import AccountHit, find_accounts

MAX_HITS = 50


def find_customers(*, query: str) -> list[AccountHit]:
    return find_accounts(query=query, limit=MAX_HITS)
