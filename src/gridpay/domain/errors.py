"""The base of every business-rule error: a stable machine code and a Chinese message."""


class DomainError(Exception):
    """A broken business rule. ``code`` is stable and is what callers and the API match on."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
