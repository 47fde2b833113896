"""The API reference's reading of an OpenAPI schema: `$ref`s resolved, nested objects under their parent's name,
optional values, allowed values and limits in words, a response with the same body said once, errors together."""

from typing import Any

from django.utils import translation

from gridpay.interfaces.api.reference import reference

ERROR = {"$ref": "#/components/schemas/ErrorOut"}
SCHEMA: dict[str, Any] = {
    "info": {"title": "T", "version": "2", "description": "说明"},
    "paths": {
        "/api/things/{thing_no}": {
            "put": {
                "operationId": "put_thing", "summary": "改一件", "tags": ["物 things"],
                "parameters": [{"in": "path", "name": "thing_no", "required": True, "schema": {"type": "string"}},
                               {"in": "query", "name": "day", "schema": {"type": "string", "format": "date"}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ThingIn"}}}},
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ThingOut"}}}},
                    "201": {"description": "Created", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ThingOut"}}}},
                    "204": {"description": "No Content"},
                    "404": {"description": "Not Found", "content": {"application/json": {"schema": ERROR}}},
                    "409": {"description": "Conflict", "content": {"application/json": {"schema": ERROR}}},
                },
                "security": [{"StaffToken": []}],
            },
        },
        "/api/open": {"get": {"operationId": "open", "responses": {"200": {"description": "OK"}}}},
    },
    "components": {"schemas": {
        "ErrorOut": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}},
        "Colour": {"type": "string", "enum": ["red", "blue"], "description": "颜色"},
        "Part": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 1}}},
        "ThingIn": {"type": "object", "required": ["name", "colour"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 20, "description": "名称"},
            "colour": {"$ref": "#/components/schemas/Colour"},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": ""},
            "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "extra": {"type": "object", "additionalProperties": {"type": "string"}},
        }},
        "ThingOut": {"type": "object", "required": ["at"], "properties": {
            "at": {"type": "string", "format": "date-time"},
            "main": {"anyOf": [{"$ref": "#/components/schemas/Part"}, {"type": "null"}]},
        }},
    }},
}


def test_the_operations_fields_and_responses_read_from_a_schema() -> None:
    with translation.override("zh-hans"):
        read = reference(SCHEMA)

    assert (read.title, read.version, read.description) == ("T", "2", "说明")
    assert [(g.tag, [o.anchor for o in g.operations]) for g in read.groups] == [
        ("物 things", ["put_thing"]), ("其他", ["open"])]
    thing, open_ = read.groups[0].operations[0], read.groups[1].operations[0]
    assert (thing.method, thing.path, thing.staff_token, open_.staff_token) == ("PUT", "/api/things/{thing_no}",
                                                                                 True, False)
    assert [(p.name, p.location, p.type, p.required) for p in thing.parameters] == [
        ("thing_no", "路径", "string", True), ("day", "查询串", "string(date)", False)]

    assert thing.request_body is not None and thing.request_body_required
    fields = {f.name: f for f in thing.request_body.fields}
    assert list(fields) == ["name", "colour", "note", "parts", "parts[].n", "tags", "extra"]
    assert (fields["name"].required, fields["name"].limits, fields["name"].description) == (True, ("1–20 个字符",),
                                                                                             "名称")
    assert (fields["colour"].type, fields["colour"].enum, fields["colour"].description) == ("string", ("red", "blue"),
                                                                                             "颜色")
    assert (fields["note"].type, fields["note"].required, fields["note"].limits) == ("string | null", False,
                                                                                      ('缺省 ""',))
    assert (fields["parts"].type, fields["parts[].n"].type, fields["parts[].n"].limits) == ("array", "integer",
                                                                                             ("≥ 1",))
    assert (fields["tags"].type, fields["extra"].type) == ("string[]", "object<string, string>")

    answers = {r.status: r for r in thing.answers}
    assert list(answers) == ["200", "201", "204"]
    assert answers["200"].body is not None
    assert [f.name for f in answers["200"].body.fields] == ["at", "main", "main.n"]
    assert answers["200"].body.fields[1].type == "object | null"
    assert (answers["201"].same_as, answers["201"].body) == ("200", None)
    assert (answers["204"].same_as, answers["204"].body) == ("", None)
    assert [r.status for r in thing.refusals] == ["404", "409"]
    assert [f.name for f in read.error_fields] == ["code"]


def test_the_words_follow_the_language() -> None:
    with translation.override("en"):
        read = reference(SCHEMA)
    thing = read.groups[0].operations[0]
    assert read.groups[1].tag == "Other"
    assert thing.parameters[1].location == "query string"
    assert thing.request_body is not None and thing.request_body.fields[0].limits == ("1–20 characters",)
