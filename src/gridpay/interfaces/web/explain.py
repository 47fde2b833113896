"""A business rule's refusal in the reader's language: the Chinese sentence's pattern translated, then filled in."""

from django.utils.translation import gettext

from gridpay.domain.errors import DomainError


def explained(error: DomainError) -> str:
    sentence = gettext(error.template)
    if not error.params:
        return sentence
    return sentence.format(**{name: _translated(value) for name, value in error.params.items()})


def _translated(value: object) -> object:
    """A label the rule put in its sentence (a step, a stage, roles joined by 、) in the reader's language too; a value
    that is data (an amount, a date, a number) has no translation and stays as it is."""
    if not isinstance(value, str) or not value:
        return value
    return gettext("、").join(gettext(part) for part in value.split("、"))
