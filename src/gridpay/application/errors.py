"""Errors shared by several use cases: an account number that does not exist, an account that is closed."""

from gridpay.domain.errors import DomainError


class UnknownAccount(DomainError):
    code = "unknown_account"


class AccountClosed(DomainError):
    code = "account_closed"
