"""The dashboard: today's figures and the last 60 days as charts."""

from datetime import datetime, time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridpay.application.reports.dashboard import dashboard
from gridpay.domain.money import format_yuan
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import requires


@requires(Action.VIEW_DASHBOARD)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    figures = dashboard(today=today, now=clock.now(), day_start=datetime.combine(today, time.min, clock.zone()))
    series = {
        "days": [d.strftime("%m-%d") for d in figures.days],
        "settled": [format_yuan(f) for f in figures.settled_fen],
        "paid": [format_yuan(f) for f in figures.paid_fen],
        "energy": figures.energy_kwh,
    }
    return render(request, "web/dashboard.html", {"d": figures, "series": series})
