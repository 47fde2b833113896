"""A business rule's refusal in the reader's language: the Chinese sentence's pattern translated, then filled in."""

from django.utils.translation import gettext

from gridpay.domain.errors import DomainError


def explained(error: DomainError) -> str:
    sentence = gettext(error.template)
    return sentence.format(**error.params) if error.params else sentence
