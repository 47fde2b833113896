"""`/api/docs`: the API's reference, a page written on the server from the OpenAPI schema, with nothing to run first.

Swagger UI (at /api/docs/try, for trying requests) makes the browser parse a 1.5 MB script before it draws
anything; this page only lays out what the cached schema says: each operation with its parameters, its request
body's fields and its responses' fields, `$ref`s resolved into the schema's components.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridpay.interfaces.api.api import api
from gridpay.interfaces.api.auth import StaffToken
from gridpay.interfaces.api.errors import STATUS_BY_CODE
from gridpay.interfaces.api.schemas import ErrorOut

Schema = Mapping[str, Any]
METHODS = ("get", "post", "put", "patch", "delete")
# A nested object's fields are listed under their parent's name down to this depth (the schema has no cycles today;
# the limit keeps a recursive one from recursing forever).
MAX_DEPTH = 4


@dataclass(frozen=True)
class Field:
    """One field of a body or one parameter: ``name`` is dotted for a nested field (``entries[].amount_fen``)."""

    name: str
    type: str
    required: bool
    description: str
    enum: tuple[str, ...] = ()
    limits: tuple[str, ...] = ()  # "1–20 个字符", "> 0", "缺省 \"\"": what the schema allows, in words
    location: str = ""  # of a parameter: path, query string, header


@dataclass(frozen=True)
class Body:
    content_type: str
    fields: tuple[Field, ...]
    errors: bool  # the error format, described once at the top of the page


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    body: Body | None
    same_as: str  # an earlier status of the operation whose body is the same schema


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    staff_token: bool
    parameters: tuple[Field, ...]
    request_body: Body | None
    request_body_required: bool
    responses: tuple[Response, ...]

    @property
    def answers(self) -> tuple[Response, ...]:
        """The responses with a body of their own (or none), in the schema's order."""
        return tuple(r for r in self.responses if r.body is None or not r.body.errors)

    @property
    def refusals(self) -> tuple[Response, ...]:
        """The responses whose body is the error format: listed together, the format described once."""
        return tuple(r for r in self.responses if r.body is not None and r.body.errors)


@dataclass(frozen=True)
class Group:
    tag: str
    anchor: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    description: str
    groups: tuple[Group, ...]
    error_fields: tuple[Field, ...]


def api_reference(request: HttpRequest) -> HttpResponse:
    context = {
        "reference": reference(api.get_openapi_schema()),
        "openapi_url": reverse("api:openapi-json"),
        "swagger_url": reverse("api:openapi-view"),
        "interface_errors": sorted(STATUS_BY_CODE.items(), key=lambda item: (item[1], item[0])),
        "base_url": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "api/reference.html", context)


def reference(schema: Schema) -> Reference:
    components: Schema = schema.get("components", {}).get("schemas", {})
    info = schema.get("info", {})
    groups: dict[str, list[Operation]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or [_("其他")])[0]
                groups.setdefault(tag, []).append(_operation(method, path, operation, components))
    error_schema = components.get(ErrorOut.__name__, {})
    return Reference(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        groups=tuple(Group(tag=tag, anchor=f"tag-{n}", operations=tuple(operations))
                     for n, (tag, operations) in enumerate(groups.items(), start=1)),
        error_fields=tuple(_fields(error_schema, components)),
    )


def _operation(method: str, path: str, operation: Schema, components: Schema) -> Operation:
    responses: list[Response] = []
    seen: dict[str, str] = {}  # a body's schema, as JSON → the first status that answers it
    for status, response in operation.get("responses", {}).items():
        body = _body(response, components)
        key = json.dumps(_json_schema(response), sort_keys=True)
        same_as = seen.get(key, "") if body is not None and not body.errors else ""
        seen.setdefault(key, str(status))
        responses.append(Response(status=str(status), description=str(response.get("description", "")),
                                  body=None if same_as else body, same_as=same_as))
    request_body = operation.get("requestBody")
    return Operation(
        anchor=str(operation.get("operationId") or f"{method}-{path}"),
        method=method.upper(),
        path=path,
        summary=str(operation.get("summary", "")),
        description=str(operation.get("description", "")),
        staff_token=any(StaffToken.__name__ in requirement for requirement in operation.get("security") or ()),
        parameters=tuple(_parameter(parameter, components) for parameter in operation.get("parameters", ())),
        request_body=_body(request_body, components) if request_body else None,
        request_body_required=bool(request_body and request_body.get("required")),
        responses=tuple(responses),
    )


def _parameter(parameter: Schema, components: Schema) -> Field:
    schema = parameter.get("schema", {})
    locations = {"path": _("路径"), "query": _("查询串"), "header": _("请求头"), "cookie": "Cookie"}
    return Field(
        name=str(parameter.get("name", "")),
        type=_type(schema, components),
        required=bool(parameter.get("required")),
        description=str(parameter.get("description") or schema.get("description", "")),
        enum=_enum(schema, components),
        limits=_limits(schema),
        location=locations.get(str(parameter.get("in")), str(parameter.get("in", ""))),
    )


def _json_schema(message: Schema) -> Schema | None:
    content = message.get("content") or {}
    if not content:
        return None
    media: Schema = next(iter(content.values()))
    return media.get("schema")


def _body(message: Schema, components: Schema) -> Body | None:
    content = message.get("content") or {}
    if not content:
        return None
    content_type, media = next(iter(content.items()))
    schema = media.get("schema", {})
    return Body(
        content_type=str(content_type),
        fields=tuple(_fields(schema, components)),
        errors=schema.get("$ref") == f"#/components/schemas/{ErrorOut.__name__}",
    )


def _fields(schema: Schema, components: Schema, *, prefix: str = "", depth: int = 0) -> Iterator[Field]:
    """The fields of an object schema, each nested object's own fields right after it, under its name."""
    schema = _resolve(schema, components)
    required = set(schema.get("required", ()))
    for name, property_ in schema.get("properties", {}).items():
        resolved = _resolve(property_, components)
        yield Field(
            name=prefix + name,
            type=_type(property_, components),
            required=name in required,
            description=str(property_.get("description") or resolved.get("description", "")),
            enum=_enum(property_, components),
            limits=_limits(property_),
        )
        if depth >= MAX_DEPTH:
            continue
        inner = _object_inside(property_, components)
        if inner is not None:
            nested, suffix = inner
            yield from _fields(nested, components, prefix=f"{prefix}{name}{suffix}.", depth=depth + 1)


def _object_inside(schema: Schema, components: Schema) -> tuple[Schema, str] | None:
    """The object with fields of its own that a field holds (``""``) or lists (``"[]"``), if any."""
    schema = _without_null(_resolve(schema, components), components)
    if schema.get("properties"):
        return schema, ""
    if schema.get("type") == "array":
        items = _resolve(schema.get("items", {}), components)
        if items.get("properties"):
            return items, "[]"
    return None


def _type(schema: Schema, components: Schema) -> str:
    schema = _resolve(schema, components)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return " | ".join(_type(option, components) for option in options)
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array":
        items = _resolve(schema.get("items", {}), components)
        return "array" if items.get("properties") else f"{_type(items, components)}[]"
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return f"object<string, {_type(schema['additionalProperties'], components)}>"
    if kind is None:
        return "object" if schema.get("properties") else "any"
    return f"{kind}({schema['format']})" if "format" in schema else str(kind)


def _enum(schema: Schema, components: Schema) -> tuple[str, ...]:
    schema = _without_null(_resolve(schema, components), components)
    return tuple(str(value) for value in schema.get("enum", ()))


def _limits(schema: Schema) -> tuple[str, ...]:
    limits = []
    shortest, longest = schema.get("minLength"), schema.get("maxLength")
    if shortest is not None and longest is not None:
        limits.append(_("{shortest}–{longest} 个字符").format(shortest=shortest, longest=longest))
    elif longest is not None:
        limits.append(_("最多 {longest} 个字符").format(longest=longest))
    elif shortest is not None:
        limits.append(_("至少 {shortest} 个字符").format(shortest=shortest))
    for key, sign in (("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"), ("maximum", "≤")):
        if key in schema:
            limits.append(f"{sign} {schema[key]}")
    if "pattern" in schema:
        limits.append(_("格式 {pattern}").format(pattern=schema["pattern"]))
    if "default" in schema:
        limits.append(_("缺省 {value}").format(value=json.dumps(schema["default"], ensure_ascii=False)))
    return tuple(limits)


def _resolve(schema: Schema, components: Schema) -> Schema:
    """A `#/components/schemas/...` reference replaced by what it names, the field's own keys kept beside it."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/components/schemas/"):
        return schema
    named = components.get(ref.rsplit("/", 1)[-1], {})
    return {**named, **{k: v for k, v in schema.items() if k != "$ref"}}


def _without_null(schema: Schema, components: Schema) -> Schema:
    """`anyOf: [X, null]` (an optional field) as X."""
    options = [_resolve(o, components) for o in schema.get("anyOf", ()) if o.get("type") != "null"]
    return options[0] if len(options) == 1 else schema
