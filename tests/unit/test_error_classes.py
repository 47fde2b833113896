"""Every refusal is a DomainError whose class says how it reaches a client: an HTTP status of its own, a code that
no other refusal uses (a client matching on the code knows which rule said no), and a message whose sentence is a
template marked for translation, with the values it names kept apart."""

import ast
import importlib
import pkgutil
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils import translation

import gridpay
from gridpay.domain.errors import DomainError
from gridpay.domain.money import InvalidAmount, fen_from_yuan_text
from gridpay.interfaces.web.explain import explained

# Classes that share a code on purpose; each entry says why.
SHARED_CODES: dict[str, set[str]] = {}


def every_module() -> None:
    for module in pkgutil.walk_packages(gridpay.__path__, prefix="gridpay."):
        # Migrations are history, not code that raises; wsgi/asgi build an application when imported.
        if ".migrations." in module.name or module.name.endswith((".wsgi", ".asgi")):
            continue
        importlib.import_module(module.name)


def every_error_class() -> list[type[DomainError]]:
    every_module()
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return [kind for kind in found if kind.__module__.startswith("gridpay.")]


def test_every_error_class_answers_a_client_error_or_server_error_status() -> None:
    classes = every_error_class()
    assert len(classes) > 40
    wrong = {kind.__qualname__: kind.http_status for kind in classes
             if not (isinstance(kind.http_status, int) and 400 <= kind.http_status <= 599)}
    assert wrong == {}


def test_every_error_class_has_a_code_of_its_own() -> None:
    by_code: defaultdict[str, set[str]] = defaultdict(set)
    for kind in every_error_class():
        if kind is not DomainError:
            by_code[kind.code].add(f"{kind.__module__}.{kind.__qualname__}")
    shared = {code: names for code, names in by_code.items() if len(names) > 1}
    assert shared == SHARED_CODES
    assert "domain_error" not in by_code, "a refusal without a code of its own"


def test_a_refusal_keeps_its_sentence_apart_from_the_values_it_names() -> None:
    error = DomainError("没有户号 {account_no}", params={"account_no": "A1"}, field="account_no")
    assert (error.template, error.params, error.message, str(error)) == (
        "没有户号 {account_no}", {"account_no": "A1"}, "没有户号 A1", "没有户号 A1"
    )
    assert DomainError.http_status == 422


def test_every_refusal_is_made_from_a_marked_template_not_from_a_formatted_string() -> None:
    names = {kind.__name__ for kind in every_error_class()}
    # The message is the first argument (RowRejected's second, after its code); NotificationRefused makes its own.
    message_at = {"RowRejected": 1, "NotificationRefused": None}
    unmarked = []
    for path in sorted(Path(gridpay.__file__).parent.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
                continue
            index = message_at.get(node.func.id, 0)
            if index is None or len(node.args) <= index:
                continue
            message = node.args[index]
            formatted = isinstance(message, ast.JoinedStr | ast.BinOp) or (
                isinstance(message, ast.Constant) and isinstance(message.value, str)
            )
            if formatted:
                unmarked.append(f"{path.name}:{node.lineno} {node.func.id}")
    assert unmarked == []


def test_a_page_shows_a_refusal_in_the_readers_language_with_its_values() -> None:
    with pytest.raises(InvalidAmount) as refused:
        fen_from_yuan_text("12.345")
    error = refused.value
    with translation.override("en"):
        assert explained(error) == "An amount takes at most two decimals: '12.345'"
    with translation.override("zh-hans"):
        assert explained(error) == error.message == "金额最多两位小数：'12.345'"
