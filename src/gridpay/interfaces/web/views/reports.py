"""The monthly report, on screen and as a PDF."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gridpay.application.reports.monthly_report import monthly_report
from gridpay.application.reports.monthly_report_pdf import monthly_report_pdf
from gridpay.data.settings import gridpay_settings
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import requires


def month_asked(request: HttpRequest) -> date | HttpResponse:
    """The first day of the report's month (``?month=YYYY-MM``, this month by default), or the page refusing it."""
    text = request.GET.get("month", f"{clock.today():%Y-%m}")
    parts = text.split("-")
    if len(parts) != 2 or not all(part.isascii() and part.isdigit() for part in parts) or len(parts[0]) != 4:
        problem = _("月份应为 YYYY-MM，而不是 {text}").format(text=text)
        return render(request, "web/problem.html", {"problem": problem}, status=400)
    year, month = int(parts[0]), int(parts[1])
    if not FIRST_YEAR <= year <= LAST_YEAR or not 1 <= month <= 12:
        # A month the reports cannot reach (0001-01: the month before it does not exist): refused, not a crash.
        problem = _("月份应在 {first}-01 至 {last}-12 之间，而不是 {text}").format(
            first=FIRST_YEAR, last=LAST_YEAR, text=text)
        return render(request, "web/problem.html", {"problem": problem}, status=400)
    return date(year, month, 1)


FIRST_YEAR, LAST_YEAR = 1900, 2999  # the months a report may ask for


@requires(Action.VIEW_REPORTS)
def monthly(request: HttpRequest) -> HttpResponse:
    first = month_asked(request)
    if isinstance(first, HttpResponse):
        return first
    report = monthly_report(month=first, now=clock.now(), zone=gridpay_settings().business_time_zone)
    if request.GET.get("format") == "pdf":
        printed = f"{clock.now().astimezone(clock.zone()):%Y-%m-%d %H:%M}"
        response = HttpResponse(monthly_report_pdf(report, printed=printed), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="monthly-{first:%Y-%m}.pdf"'
        return response
    return render(request, "web/report.html", {"r": report, "month": f"{first:%Y-%m}"})
