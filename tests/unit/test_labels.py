"""One label for each value: every member of a labelled enum has its label beside it, an enum is defined once
(in the domain, or in data when only the database knows it), and every label a page shows has its translation."""

import importlib
import pkgutil
from enum import Enum
from pathlib import Path

from babel.messages.pofile import read_po
from django.template import Context, Template
from django.utils import translation

import gridpay
from gridpay.domain.meter_commands import CommandStatus
from gridpay.domain.texts import label_of
from gridpay.interfaces.web.templatetags.gridpay_web import LABELLED

LOCALES = Path(gridpay.__file__).parent / "locale"


def enums_of(package: str) -> list[type[Enum]]:
    root = importlib.import_module(package)
    modules = [root] + [importlib.import_module(m.name)
                        for m in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
                        if ".migrations" not in m.name]
    found: dict[str, type[Enum]] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
            # Choices defined inside a model (Contact.Role, Meter.Registers).
            if isinstance(value, type) and value.__module__ == module.__name__:
                for inner in vars(value).values():
                    if isinstance(inner, type) and issubclass(inner, Enum):
                        found[f"{inner.__module__}.{inner.__qualname__}"] = inner
    return list(found.values())


def test_every_member_of_a_labelled_domain_enum_has_its_label() -> None:
    labelled = [kind for kind in enums_of("gridpay.domain") if isinstance(getattr(kind, "label", None), property)]
    assert len(labelled) >= 12
    unlabelled = [f"{kind.__name__}.{member.name}" for kind in labelled for member in kind
                  if not str(getattr(member, "label", "")).strip()]
    assert unlabelled == []


def test_no_enum_is_defined_twice_under_one_name_in_the_domain_and_in_data() -> None:
    domain = {kind.__qualname__ for kind in enums_of("gridpay.domain")}
    data = {kind.__qualname__ for kind in enums_of("gridpay.data")}  # Contact.Role is not staff_roles.Role
    assert len(data) >= 8
    assert domain & data == set()


def test_every_label_a_page_shows_has_an_english_translation() -> None:
    with (LOCALES / "en" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        english = {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}
    shown = {label_of(kind, member.value) for kind in LABELLED.values() for member in kind}  # type: ignore[attr-defined]
    assert len(shown) > 30
    assert sorted(text for text in shown if not english.get(text)) == []


def test_a_code_no_enum_member_has_shows_as_it_is() -> None:
    assert label_of(CommandStatus, "held") == "等待前一命令"
    assert label_of(CommandStatus, "from_a_later_version") == "from_a_later_version"


def test_a_page_names_the_enum_of_a_code_that_two_enums_share() -> None:
    page = Template('{% load gridpay_web %}{{ code|label:"NotificationStatus" }}/{{ code|label:"CallOutcome" }}')
    with translation.override("zh-hans"):
        assert page.render(Context({"code": "pending"})) == "待发送/待拨打"
    with translation.override("en"):
        assert page.render(Context({"code": "pending"})) == "Queued/To call"
