"""Errors shared by several use cases: an unknown account, a closed account, a record that does not exist."""

from gridpay.domain.errors import DomainError


class UnknownAccount(DomainError):
    code = "unknown_account"
    http_status = 404


class AccountClosed(DomainError):
    code = "account_closed"
    http_status = 409


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InvalidInput(DomainError):
    code = "invalid_input"


class NotAllowed(DomainError):
    """The acting member of staff's roles do not allow the action."""

    code = "not_allowed"
    http_status = 403
