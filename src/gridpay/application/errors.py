"""Errors shared by several use cases: an unknown account, a closed account, a record that does not exist."""

from gridpay.domain.errors import DomainError


class UnknownAccount(DomainError):
    code = "unknown_account"


class AccountClosed(DomainError):
    code = "account_closed"


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"
