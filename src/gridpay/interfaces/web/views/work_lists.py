"""Work lists: arrears by village and grid staff (with exports), the grid staff's call list, the risk warning list."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridpay.application.collection.collector_accounts import collector_names
from gridpay.application.paging import page_number
from gridpay.application.risk.risk_list import reason_texts, risk_list
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.supply.call_tasks import call_list_page, record_call_outcome
from gridpay.application.work_lists.arrears_list import arrears_csv, arrears_list, arrears_xlsx, filter_choices
from gridpay.application.work_lists.field_queues import field_queues
from gridpay.data.models.field_work import CallOutcome
from gridpay.data.replica import reading_from_replica
from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.staff_roles import Action, Role
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import request_roles, requires, staff_name
from gridpay.interfaces.web.explain import explained

RISK_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@requires(Action.VIEW_WORK_LISTS)
def arrears_page(request: HttpRequest) -> HttpResponse:
    village, staff = request.GET.get("village", ""), request.GET.get("staff", "")
    export = request.GET.get("export", "")
    if export in ("csv", "xlsx"):
        # A file taken away may be a moment behind; the page staff work from reads the primary.
        with reading_from_replica():
            lines = arrears_list(village=village, grid_staff=staff)
        data, kind = (arrears_csv(lines), "text/csv") if export == "csv" else (arrears_xlsx(lines), XLSX)
        response = HttpResponse(data, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="arrears-{clock.today()}.{export}"'
        return response
    lines = arrears_list(village=village, grid_staff=staff)
    villages, staff_names = filter_choices()
    total = format_yuan(-sum(line.balance_fen for line in lines))
    return render(request, "web/arrears.html", {
        "lines": lines, "villages": villages, "staff_names": staff_names, "village": village, "staff": staff,
        "total": total, "query": request.GET.urlencode(),
    })


@requires(Action.WORK_CALLS)
def calls_page(request: HttpRequest) -> HttpResponse:
    """Grid staff see their own calls (their name as in the village list); supervisors choose whose. Today's calls
    that cannot wait come first, and every call is on some page."""
    roles = request_roles(request)
    own = Role.GRID_STAFF in roles and len(roles) == 1
    name = getattr(request.user, "first_name", "")
    staff = name if own else request.GET.get("staff", "")
    error = ""
    if request.method == "POST":
        task_id = _task_id(request.POST.get("task_id", ""))
        if task_id is None:
            error = _("无效的电话任务")
        else:
            try:
                record_call_outcome(task_id=task_id, outcome=request.POST.get("outcome", ""),
                                    note=request.POST.get("note", ""), name=staff_name(request),
                                    actor=acting_staff(request.user.get_username()).actor, roles=roles,
                                    at=clock.now())
                return redirect(request.get_full_path())
            except DomainError as problem:  # no such task, an outcome not chosen or that is none
                error = explained(problem)
    try:
        page = call_list_page(today=clock.today(), grid_staff=staff or None,
                              page=page_number(request.GET.get("page")))
    except DomainError as problem:  # a name in the address that is no grid staff member's
        page, error = None, explained(problem)
    _villages, staff_names = filter_choices()
    outcomes = [(value, _(label)) for value, label in CallOutcome.choices if value != CallOutcome.PENDING]
    return render(request, "web/calls.html", {
        "calls": page, "staff": staff, "own": own, "staff_names": staff_names, "outcomes": outcomes, "error": error,
        "keep": urlencode({"staff": staff}) + "&" if staff and not own else "",
    }, status=422 if error else 200)


def _task_id(text: str) -> int | None:
    try:
        return int(text or 0)
    except ValueError:
        return None


@requires(Action.VIEW_WORK_LISTS)
def queues_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/queues.html", {"q": field_queues()})


@requires(Action.VIEW_RISK_LIST)
def risk_page(request: HttpRequest) -> HttpResponse:
    """The accounts most likely to fall into arrears in the next 14 days, highest first, with the reasons in words.

    A grid staff member sees the villages they look after; supervisors and the station head choose whose."""
    roles = request_roles(request)
    own = Role.GRID_STAFF in roles and not roles & {Role.SUPERVISOR, Role.STATION_HEAD, Role.ADMIN}
    staff = getattr(request.user, "first_name", "") if own else request.GET.get("staff", "")
    collector = "" if own else request.GET.get("collector", "").strip()
    number = max(1, _task_id(request.GET.get("page", "1")) or 1)
    error = ""
    try:
        page = risk_list(on=clock.today(), grid_staff=staff, collector=collector,
                         offset=(number - 1) * RISK_PAGE_SIZE, limit=RISK_PAGE_SIZE)
    except DomainError as problem:  # a name that is no grid staff member's
        page, error = None, explained(problem)
    _villages, staff_names = filter_choices()
    lines = [(line, reason_texts(line, _)) for line in page.lines] if page else []
    pages = max(1, -(-page.total // RISK_PAGE_SIZE)) if page else 1
    return render(request, "web/risk.html", {
        "lines": lines, "day": page.day if page else None, "total": page.total if page else 0, "staff": staff,
        "own": own, "staff_names": staff_names, "collector": collector,
        "collector_names": [] if own else collector_names(day=clock.today()), "error": error, "number": number,
        "pages": pages,
        "previous": number - 1 if number > 1 else None, "next": number + 1 if number < pages else None,
    }, status=422 if error else 200)
