"""The English translation is whole: every Chinese text marked in the templates has an English one, none is a
fuzzy guess, and the compiled catalogue says what its source says."""

import gettext
import re
from pathlib import Path

import gridpay

LOCALE = Path(gridpay.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def entries() -> list[tuple[str, str]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    found = []
    for block in text.split("\n\n"):
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0])) if "msgid" in block else ""
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1])) if "msgstr" in block else ""
        if msgid:
            found.append((msgid, msgstr))
    return found


def test_every_marked_text_has_an_english_translation_and_none_is_a_guess() -> None:
    pairs = entries()
    assert len(pairs) > 100
    assert [msgid for msgid, msgstr in pairs if not msgstr] == []
    assert "fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_the_compiled_catalogue_says_what_its_source_says() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in entries() if compiled.gettext(msgid) != msgstr.replace('\\"', '"')]
    assert stale == [], "run: cd src/gridpay && gridpay compilemessages"
