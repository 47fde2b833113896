"""The campaign on the collector's phone: today's villages with what to say and a "done" button, the follow-up list
with a button per contact; for supervisors, the accounts in arrears nobody asked about this month."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridpay.application.collection.bill_bundle import bill_bundle
from gridpay.application.collection.campaign_rounds import campaign_rounds
from gridpay.application.collection.follow_up_list import follow_up_csv, follow_up_list
from gridpay.application.collection.record_follow_up import record_follow_up
from gridpay.application.collection.record_round_done import record_round_done
from gridpay.application.collection.untouched_accounts import untouched_accounts
from gridpay.application.work_lists.arrears_list import filter_choices
from gridpay.data.settings import gridpay_settings
from gridpay.domain.collection_campaign import CONTACT_OUTCOME_LABELS, CONTACT_WAY_LABELS, follow_up_date
from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import request_roles, requires, staff_name
from gridpay.interfaces.web.explain import explained


@requires(Action.WORK_CAMPAIGN)
def campaign_page(request: HttpRequest) -> HttpResponse:
    """A grid staff member sees their own rounds (their name as in the village list); supervisors choose whose."""
    roles = request_roles(request)
    own, collector = _whose(request)
    today = clock.today()
    day = _day(request.GET.get("date", "")) or today
    error = ""
    if request.method == "POST":
        error = _post(request, roles, day)
        if not error:
            return redirect(request.get_full_path())
    rounds, lines = [], []
    if collector:
        try:
            rounds = campaign_rounds(today=today, day=day, collector=collector)
            lines = follow_up_list(collector=collector, day=today)
        except DomainError as problem:  # a name that is nobody's
            error = error or explained(problem)
    settings = gridpay_settings()
    _villages, staff_names = filter_choices()
    return render(request, "web/collection_campaign.html", {
        "collector": collector, "own": own, "day": day, "rounds": rounds, "staff_names": staff_names,
        "lines": [(line, format_yuan(line.owed_fen)) for line in lines[:300]], "count": len(lines),
        "not_asked": sum(not line.asked for line in lines), "error": error,
        "after_campaign": today >= follow_up_date(month=today.replace(day=1), follow_up_day=settings.follow_up_day),
        "ways": [(k.value, _(v)) for k, v in CONTACT_WAY_LABELS.items()],
        "outcomes": [(k.value, _(v)) for k, v in CONTACT_OUTCOME_LABELS.items()],
        "supervises": may(roles, Action.ARRANGE_COLLECTION),
    }, status=422 if error else 200)


def _whose(request: HttpRequest) -> tuple[bool, str]:
    """Whether the page is the signed-in collector's own, and whose it is."""
    roles = request_roles(request)
    own = Role.GRID_STAFF in roles and len(roles) == 1
    return own, (getattr(request.user, "first_name", "") if own else request.GET.get("collector", "").strip())


@requires(Action.WORK_CAMPAIGN)
def bundle_pdf(request: HttpRequest) -> HttpResponse:
    """The collector's bill bundle to print (the bills unpaid today, in route order)."""
    _own, collector = _whose(request)
    today = clock.today()
    try:
        bundle = bill_bundle(collector=collector, month=today, day=today)
    except DomainError as problem:
        return HttpResponse(explained(problem), status=404, content_type="text/plain; charset=utf-8")
    if bundle.pdf is None:
        return HttpResponse(_("没有未交的后付费电费单。"), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(bundle.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bills-{today}.pdf"'
    return response


@requires(Action.WORK_CAMPAIGN)
def follow_up_download(request: HttpRequest) -> HttpResponse:
    _own, collector = _whose(request)
    today = clock.today()
    try:
        lines = follow_up_list(collector=collector, day=today)
    except DomainError as problem:
        return HttpResponse(explained(problem), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(follow_up_csv(lines), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="follow-up-{today}.csv"'
    return response


def _post(request: HttpRequest, roles: set[Role], day: date) -> str:
    """The refusal in words, or "" when it was recorded."""
    try:
        if request.POST.get("do") == "done":
            record_round_done(round_id=_number(request.POST.get("round_id", "")), actor=staff_name(request),
                              roles=roles, at=clock.now(), note=request.POST.get("note", ""))
        else:
            record_follow_up(account_no=request.POST.get("account_no", ""), how=request.POST.get("how", ""),
                             outcome=request.POST.get("outcome", ""), day=clock.today(),
                             promised_on=_day(request.POST.get("promised_on", "")), note=request.POST.get("note", ""),
                             actor=staff_name(request), roles=roles, at=clock.now())
    except DomainError as problem:
        return explained(problem)
    return ""


@requires(Action.ARRANGE_COLLECTION)
def untouched_page(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    month = _day(f"{request.GET.get('month', '')}-01") or today.replace(day=1)
    report = untouched_accounts(month=month, today=today)
    return render(request, "web/collection_untouched.html", {
        "report": report, "month": month, "lines": [(line, format_yuan(line.owed_fen)) for line in report.lines],
    })


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
