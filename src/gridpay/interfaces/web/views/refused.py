"""The page for a request refused before any view ran: a body over the size limit (413), else unreadable (400)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def refused_request(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        problem = _("提交的内容太大（最多 {size} KB），没有办理。").format(
            size=settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024)
        return render(request, "web/problem.html", {"problem": problem}, status=413)
    return render(request, "web/problem.html", {"problem": _("提交的内容无法读取，没有办理。")}, status=400)
