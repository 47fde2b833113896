"""The base of every business-rule error: a stable machine code and a Chinese message."""

from collections.abc import Mapping


class DomainError(Exception):
    """A broken business rule. ``code`` is stable and is what callers and the API match on.

    ``message`` is the Chinese sentence. When it names values, the error keeps the sentence's pattern
    (``template``, with ``{name}`` places) and the values (``params``) apart, so that a page can show the
    same sentence translated into the reader's language.
    """

    code = "domain_error"

    def __init__(
        self, message: str, *, field: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        self.message = message.format(**self.params) if self.params else message
        super().__init__(self.message)
        self.field = field
