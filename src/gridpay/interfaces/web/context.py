"""What every page's template gets: the signed-in person's name, roles and allowed actions."""

from typing import Any

from django.http import HttpRequest

from gridpay.data.staff import roles_of
from gridpay.interfaces.web.access import allowed_actions


def staff(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    roles = roles_of(request.user)
    name = getattr(request.user, "first_name", "") or request.user.get_username()
    return {"staff_name": name, "staff_roles": [r.label for r in sorted(roles)], "can": allowed_actions(request)}
