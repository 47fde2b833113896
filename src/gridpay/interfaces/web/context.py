"""What every page's template gets: the signed-in person's name, roles and allowed actions; on the portal, the
customer's phone (masked) for its bar with 我的户号 and 退出."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext

from gridpay.domain.portal_sign_in import mask_phone
from gridpay.domain.staff_roles import Action
from gridpay.interfaces.web.access import allowed_actions, request_roles, staff_name
from gridpay.interfaces.web.views.portal import SESSION_PHONE

# Who has work in the arrears procedure (停电催费), so whose menu links its queue (the page itself is everyone's).
ARREARS_WORK = frozenset({
    Action.WORK_ARREARS, Action.ACKNOWLEDGE_REFUSAL, Action.APPROVE_DISCONNECTION, Action.EXECUTE_DISCONNECTION,
    Action.COMPLETE_RECONNECTION,
})


def staff(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    roles = request_roles(request)
    role_names = [gettext(r.label) for r in sorted(roles)]
    # The separator of a list of names is a text too: 、 in Chinese, a comma in English.
    roles_text = gettext("、").join(role_names)
    can = allowed_actions(request)
    return {"staff_name": staff_name(request), "staff_roles": roles_text, "can": can,
            "has_arrears_work": any(action.value in can for action in ARREARS_WORK)}


def portal(request: HttpRequest) -> dict[str, Any]:
    """Every portal page a customer sees signed in shows whose it is and how to sign out (the not-found page too)."""
    match = request.resolver_match
    phone = request.session.get(SESSION_PHONE) if match is not None and match.namespace == "portal" else None
    return {"portal_masked": mask_phone(phone)} if phone else {}
