"""The translation catalogues are whole: every marked text has its translation, none is a fuzzy guess, and each
compiled catalogue says what its source says (English for the switch; Chinese for texts of Django's own that
its zh_Hans catalogue lacks)."""

import gettext
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import gridpay

LOCALES = Path(gridpay.__file__).parent / "locale"


def catalogue(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle)


def test_every_marked_text_has_an_english_translation_and_none_is_a_guess() -> None:
    english = catalogue("en")
    assert len(english) > 300
    assert [m.id for m in english if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])] == []
    assert [m.id for m in english if m.fuzzy and m.id] == []
    assert english.obsolete == {}


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_compiled_catalogue_says_what_its_source_says(language: str) -> None:
    with (LOCALES / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for message in catalogue(language):
        if not message.id:
            continue
        context = message.context  # a text that means two things ("批准停电": the button, the record)
        if message.pluralizable:
            singular, plural = message.id
            forms = message.string
            said = ([compiled.npgettext(context, singular, plural, n) for n in (1, 2)] if context
                    else [compiled.ngettext(singular, plural, n) for n in (1, 2)])
            if said != [forms[0], forms[-1]]:
                stale.append(singular)
        elif (compiled.pgettext(context, message.id) if context else compiled.gettext(message.id)) != message.string:
            stale.append(message.id)
    assert stale == [], "run: cd src/gridpay && gridpay compilemessages"
