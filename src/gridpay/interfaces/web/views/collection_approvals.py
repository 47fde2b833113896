"""The station head's approvals of collection publications: public arrears notices (欠费公示) and credit report lists
(征信报送名单), each draft shown with its figures and an approve button."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridpay.application.collection.approve_arrears_notice import approve_arrears_notice
from gridpay.application.collection.approve_credit_report import approve_credit_report
from gridpay.application.collection.arrears_notices import arrears_notice, arrears_notices
from gridpay.application.collection.credit_reports import credit_report, credit_reports
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.errors import DomainError
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import request_roles, requires
from gridpay.interfaces.web.explain import explained


@requires(Action.APPROVE_ARREARS_NOTICE)
def approvals_page(request: HttpRequest) -> HttpResponse:
    problem, status = "", 200
    if request.method == "POST":
        kind, number = request.POST.get("kind", ""), request.POST.get("id", "")
        actor = acting_staff(request.user.get_username()).actor
        try:
            if not number.isdigit() or kind not in ("notice", "credit"):
                return render(request, "web/problem.html", {"problem": _("无效的审批请求")}, status=400)
            if kind == "notice":
                approve_arrears_notice(notice_id=int(number), actor=actor, roles=request_roles(request),
                                       at=clock.now())
            else:
                approve_credit_report(report_id=int(number), actor=actor, roles=request_roles(request),
                                      at=clock.now())
            return redirect(f"{reverse('web:collection-approvals')}?approved={kind}-{number}")
        except DomainError as error:  # already approved by someone else meanwhile, gone, not the head's
            problem, status = explained(error), error.http_status
    notices = [arrears_notice(notice_id=n.notice_id) for n in arrears_notices(status="draft")]
    reports = [credit_report(report_id=r.report_id) for r in credit_reports(status="draft")]
    return render(request, "web/collection_approvals.html", {
        "notices": notices, "reports": reports, "problem": problem,
        "approved": request.GET.get("approved", ""),
    }, status=status)
