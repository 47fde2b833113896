"""Chinese first: the pages are Chinese unless the person chose English with the switch (the language cookie)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ChineseFirst:
    """Placed before Django's LocaleMiddleware: a browser's own language list does not override the default,
    so a station's computer set up in English still shows Chinese until someone presses "English"."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
