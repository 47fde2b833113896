"""What every page's template gets: the signed-in person's name, roles and allowed actions."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext

from gridpay.interfaces.web.access import allowed_actions, request_roles, staff_name


def staff(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    roles = request_roles(request)
    role_names = [gettext(r.label) for r in sorted(roles)]
    # The separator of a list of names is a text too: 、 in Chinese, a comma in English.
    roles_text = gettext("、").join(role_names)
    return {"staff_name": staff_name(request), "staff_roles": roles_text, "can": allowed_actions(request)}
