"""The base of every business-rule error: a stable machine code, an HTTP status, and a Chinese message."""

from collections.abc import Mapping
from typing import ClassVar


class DomainError(Exception):
    """A broken business rule. ``code`` is stable and is what callers and the API match on.

    ``message`` is the Chinese sentence. When it names values, the error keeps the sentence's pattern
    (``template``, with ``{name}`` places) and the values (``params``) apart, so that a page can show the
    same sentence translated into the reader's language.

    ``http_status`` is what the API answers with it: a class's own, so that a new refusal cannot reach
    a client without one. A broken rule is the request's fault, not the server's (422), unless the class
    says otherwise (404 for what does not exist, 409 for a conflict with what is recorded, 401/403, 502/503
    for a channel that failed us).
    """

    code = "domain_error"
    http_status: ClassVar[int] = 422

    def __init__(
        self, message: str, *, field: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        self.message = message.format(**self.params) if self.params else message
        super().__init__(self.message)
        self.field = field
