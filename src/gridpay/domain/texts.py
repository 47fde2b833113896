"""A marker for texts that pages show in the reader's language, and the label of an enum's code.

The business rules speak Chinese (the CLI, SMS and documents stay Chinese). A text wrapped in
``gettext_noop`` is collected by ``gridpay makemessages`` into the translation catalogue, and the web
layer translates it when it shows it. The name is the one Django's makemessages looks for.
"""

from collections.abc import Callable
from typing import Protocol


def gettext_noop(text: str) -> str:
    return text


class Labelled(Protocol):
    """A value with a label beside it: a domain enum's member, or a Django choice of one."""

    @property
    def label(self) -> str: ...


def label_of(kind: Callable[[str], Labelled], code: str) -> str:
    """The label of ``code`` among ``kind``'s members; a code it does not know (written by another version) as it
    is, so that a page or a report never fails on it."""
    try:
        return kind(code).label
    except ValueError:
        return code
