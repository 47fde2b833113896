"""A marker for texts that pages show in the reader's language.

The business rules speak Chinese (the CLI, SMS and documents stay Chinese). A text wrapped in
``gettext_noop`` is collected by ``gridpay makemessages`` into the translation catalogue, and the web
layer translates it when it shows it. The name is the one Django's makemessages looks for.
"""


def gettext_noop(text: str) -> str:
    return text
