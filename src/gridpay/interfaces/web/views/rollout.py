"""The village rollout: progress against the year-end target, the town's export, village plans, WeChat texts."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat
from django.utils.translation import gettext as _

from gridpay.application.rollout.record_agreement import record_agreement
from gridpay.application.rollout.record_event import record_event
from gridpay.application.rollout.rollout_progress import plan_years, progress_csv, rollout_progress
from gridpay.application.rollout.update_villages import VillagePlan, parse_schedule, update_village, update_villages
from gridpay.application.rollout.village_file import village_file
from gridpay.data.replica import reading_from_replica
from gridpay.domain.errors import DomainError
from gridpay.domain.rollout import wechat_group_text, year_to_show
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import allowed_actions, requires
from gridpay.interfaces.web.explain import explained

MIN_YEAR, MAX_YEAR = 2000, 2100  # a year typed into the address outside these is not a rollout's


@requires(Action.VIEW_DASHBOARD)
def rollout_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST" and request.GET.get("export") == "csv":
        with reading_from_replica():  # an export may be a moment behind the primary; an upload's page may not
            return _rollout_page(request)
    return _rollout_page(request)


def _rollout_page(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    years = plan_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:  # none chosen (or nonsense): the year that holds the plan
        year = year_to_show(plan_years=years, today=today)
    if not MIN_YEAR <= year <= MAX_YEAR:
        year = year_to_show(plan_years=years, today=today)
    problem, done = "", ""
    if request.method == "POST":
        if "edit_rollout" not in allowed_actions(request):
            return render(request, "web/forbidden.html", status=403)
        upload = request.FILES.get("schedule")
        if upload is None:
            problem = _("请选择推广安排表（CSV）")
        else:
            try:
                town = request.POST.get("town", "").strip() or _("本镇")
                count = update_villages(town=town, plans=parse_schedule(upload.read()),
                                        actor=request.user.get_username(), at=clock.now())
                done = _("已导入 {count} 个村/社区的推广安排。").format(count=count)
            except DomainError as error:
                problem = explained(error)
    report = rollout_progress(year=year, today=today)
    if request.GET.get("export") == "csv":
        response = HttpResponse(progress_csv(report), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="rollout-{year}.csv"'
        return response
    month_format = _("n月")
    months = [dateformat.format(date(year, m, 1), month_format) for m in report.months]
    chart = {"months": months, "signed": report.signed_by_month, "planned": report.planned_by_month,
             "target": [report.target] * 12}
    texts = {row.village: wechat_group_text(row) for row in report.villages}
    return render(request, "web/rollout.html", {
        "r": report, "chart": chart, "texts": texts, "problem": problem, "done": done,
        "years": sorted({*years, year}),
    }, status=422 if problem else 200)


@requires(Action.EDIT_ROLLOUT)
def record_agreement_view(request: HttpRequest, account_no: str) -> HttpResponse:
    if request.method == "POST":
        signed_on = _day(request.POST.get("signed_on", ""))
        if signed_on is None:
            return render(request, "web/problem.html", {"problem": _("签订日期应为 YYYY-MM-DD"), "back": account_no},
                          status=422)
        try:
            record_agreement(
                account_no=account_no, signed_on=signed_on, method=request.POST.get("method", ""),
                staff_name=request.POST.get("staff_name", ""), actor=request.user.get_username(), at=clock.now(),
                today=clock.today(),
            )
        except DomainError as error:
            return render(request, "web/problem.html", {"problem": explained(error), "back": account_no}, status=422)
    return redirect("web:customer", account_no=account_no)



@requires(Action.EDIT_ROLLOUT)
def village_page(request: HttpRequest, village_id: int) -> HttpResponse:
    village = village_file(village_id=village_id)
    if village is None:
        return render(request, "web/not_found.html", {"what": _("这个村/社区")}, status=404)
    problem = ""
    if request.method == "POST":
        event = request.POST.get("form") == "event"
        month = request.POST.get("rollout_month", "")
        try:  # what the form typed, read before anything is asked of the rollout
            day = date.fromisoformat(request.POST.get("day", "")) if event else None
            attendees = int(request.POST.get("attendees") or 0) if event else 0
            rollout_month = date.fromisoformat(f"{month}-01") if month and not event else None
        except ValueError:
            problem = _("日期、月份或人数格式不对")
        else:
            try:
                if day is not None:
                    record_event(
                        village_id=village.village_id, day=day, kind=request.POST.get("kind", ""),
                        attendees=attendees, note=request.POST.get("note", ""), actor=request.user.get_username(),
                        at=clock.now(), today=clock.today(),
                    )
                else:
                    update_village(town=village.town, actor=request.user.get_username(), at=clock.now(),
                                   plan=VillagePlan(
                                       village=village.village, rollout_month=rollout_month,
                                       grid_staff=request.POST.get("grid_staff", ""),
                                       grid_phone=request.POST.get("grid_phone", ""),
                                       assistant=request.POST.get("assistant", ""),
                                       assistant_phone=request.POST.get("assistant_phone", ""),
                                   ))
                return redirect("web:village", village_id=village.village_id)
            except DomainError as error:
                problem = explained(error)
    return render(request, "web/village.html", {"v": village, "problem": problem},
                  status=422 if problem else 200)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
