"""The API's reference at /api/docs says what the OpenAPI schema says: every operation, with its parameters, its
request body's fields and its responses, so that a route added later cannot be missing from it."""

from html.parser import HTMLParser
from typing import Any

from django.test import Client


class Operations(HTMLParser):
    """The text of each operation on the page (``<section class="operation" id=...>``), by its id."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.current: str | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "section":
            return
        if self.current is not None:
            self.depth += 1
        elif "operation" in (dict(attrs).get("class") or "").split():
            self.current, self.depth = dict(attrs)["id"] or "", 0
            self.text[self.current] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.current is not None:
            if self.depth:
                self.depth -= 1
            else:
                self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.text[self.current] += data


def operations_on(page: str) -> dict[str, str]:
    parser = Operations()
    parser.feed(page)
    return parser.text


def properties(schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("properties", {}))


def test_every_operation_of_the_schema_is_on_the_reference_with_its_fields_and_responses(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    components = document["components"]["schemas"]
    on_page = operations_on(client.get("/api/docs").content.decode())

    expected = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert len(expected) >= 6
    assert set(on_page) == expected  # each once, nothing the schema does not have
    for path, item in document["paths"].items():
        for method, operation in item.items():
            text = on_page[operation["operationId"]]
            assert method.upper() in text and path in text, path
            assert operation["summary"] in text and operation.get("description", "") in text, path
            for parameter in operation.get("parameters", ()):
                assert parameter["name"] in text, (path, parameter["name"])
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for name in properties(body["schema"], components) if body else ():
                assert name in text, (path, name)
            for status, response in operation["responses"].items():
                assert status in text, (path, status)
                answered = response.get("content", {}).get("application/json")
                for name in properties(answered["schema"], components) if answered else ():
                    assert name in text, (path, status, name)


def test_the_reference_shows_the_nested_fields_and_the_allowed_values(client: Client) -> None:
    on_page = operations_on(client.get("/api/docs").content.decode())
    statement = next(text for text in on_page.values() if "/api/agent/statement" in text)
    assert "entries[].agent_txn_id" in statement  # an array of objects: each item's fields under its name
    payment = next(text for text in on_page.values() if "/api/payments" in text and "POST" in text)
    assert "home_collection" in payment  # the channels, from the enum the field refers to
    assert "1–20 个字符" in payment  # account_no's length


def test_the_reference_is_in_english_after_the_switch(client: Client) -> None:
    client.cookies["django_language"] = "en"
    page = client.get("/api/docs").content.decode()
    assert "Authentication" in page and "Error format" in page
    assert "认证" not in page
