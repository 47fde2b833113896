"""The staff console's sign-in: Django's, throttled (issue 20): past too many failures of a login name or from an
address, the password is not even checked until the window allows it again."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse

from gridpay.application.staff.sign_in_throttle import (
    SignInThrottled,
    check_sign_in_allowed,
    record_sign_in_failure,
)
from gridpay.interfaces import clock
from gridpay.interfaces.client_address import client_address
from gridpay.interfaces.web.explain import explained


class StaffSignIn(auth_views.LoginView):
    template_name = "web/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            check_sign_in_allowed(username=_username(request), address=_address(request), at=clock.now())
        except SignInThrottled as refused:
            context = self.get_context_data(form=self.get_form(), throttled=explained(refused))
            return self.render_to_response(context, status=refused.http_status)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        record_sign_in_failure(username=_username(self.request), address=_address(self.request), at=clock.now())
        return super().form_invalid(form)


def _username(request: HttpRequest) -> str:
    return str(request.POST.get("username", ""))


def _address(request: HttpRequest) -> str:
    # The client's, not the reverse proxy's: behind it, every member of staff would share one address and its limit.
    return client_address(request) or "?"
