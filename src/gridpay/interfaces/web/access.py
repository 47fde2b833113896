"""Who may open which page: every view names its action, and the server checks the user's roles for it."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridpay.data.staff import roles_of
from gridpay.domain.staff_roles import Action, Role, may

View = Callable[..., HttpResponse]


def requires(action: Action) -> Callable[[View], View]:
    """Not signed in: to the login page. Signed in without a role that may: 403, in Chinese."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may(request_roles(request), action):
                return render(request, "web/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        checked.required_action = action  # type: ignore[attr-defined]  # read by the README's role table's test
        return checked

    return decorate


def request_roles(request: HttpRequest) -> set[Role]:
    """The signed-in person's roles, read once per request (the check, the page and its menu all ask)."""
    if not hasattr(request, "roles"):
        request.roles = roles_of(request.user)  # type: ignore[attr-defined]
    roles: set[Role] = request.roles  # type: ignore[attr-defined]
    return roles


def staff_name(request: HttpRequest) -> str:
    """The signed-in person's name as the station knows them (for receipts and records); else their sign-in."""
    return getattr(request.user, "first_name", "") or request.user.get_username()


def allowed_actions(request: HttpRequest) -> set[str]:
    """For the templates: which links and buttons to show (the server checks again on use)."""
    return {action.value for action in Action if may(request_roles(request), action)}
