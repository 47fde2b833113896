"""Requests refused before any view: text with a NUL character, which PostgreSQL cannot store in any text column."""

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse

NUL = "\x00"
# A JSON string's NUL is the escape \u0000 (after an even number of backslashes, else the backslash is escaped).
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulCharacters:
    """A NUL in the path, the query, a header, a form field or a JSON body is refused as a bad request (400, through
    the URLconf's handler400: the API's error body under /api/), never carried to the database to fail there (500).
    The last middleware: what it refuses passes back through the others (headers, the signed-in person)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            nul = _has_nul(request)
        except RequestDataTooBig:
            if request.content_type == "multipart/form-data":
                raise  # its stream is spent: a view reading it again would find the form empty, not too large
            # Left unread: whoever reads it is refused alike (413), and a channel's notification records the refusal.
            nul = False
        if nul:
            raise BadRequest("请求中含有空字符（NUL）")
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info or _any_nul(_pairs(request.GET.lists())):
        return True
    if any(NUL in str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in FORMS:
        return _any_nul(_pairs(request.POST.lists()))
    if content_type == "application/json" or content_type.endswith("+json"):
        return JSON_NUL.search(request.body) is not None or b"\x00" in request.body
    return False


def _pairs(lists: Iterable[tuple[str, list[str]]]) -> Iterable[str]:
    for key, values in lists:
        yield key
        yield from values


def _any_nul(texts: Iterable[object]) -> bool:
    return any(NUL in text for text in texts if isinstance(text, str))
