"""What every SMS provider offers: send one message, or fail saying whether trying again may help."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    kind: str  # gridpay's template name; each vendor maps it to its own approved template
    params: tuple[tuple[str, str], ...]  # in the template's order
    text: str  # the rendered Chinese text (what the customer reads)


class SmsFailed(Exception):
    """A vendor error, translated: ``retryable`` for throttling, network and server trouble."""

    def __init__(self, *, code: str, message: str, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.retryable = code, message, retryable


class SmsProvider(Protocol):
    def send(self, message: SmsMessage) -> str:
        """Sends ``message``; returns the provider's message id, or raises SmsFailed."""
        ...
