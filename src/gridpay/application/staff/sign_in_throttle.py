"""Staff sign-in throttled (issue 20): failed attempts are kept per login name and address, and past the limit the
console refuses to check a password until the window allows it again."""

from datetime import datetime

from gridpay.data.models import StaffSignInFailure
from gridpay.domain.errors import DomainError
from gridpay.domain.staff_sign_in import WINDOW, Failures, sign_in_wait
from gridpay.domain.texts import gettext_noop


class SignInThrottled(DomainError):
    code = "sign_in_throttled"
    http_status = 429


def check_sign_in_allowed(*, username: str, address: str, at: datetime) -> None:
    """Refuses (SignInThrottled) while the login name or the address has failed too often of late."""
    since = at - WINDOW
    failures = Failures(
        of_login=tuple(StaffSignInFailure.objects.filter(username=username.strip()[:150], at__gt=since)
                       .values_list("at", flat=True)),
        from_address=tuple(StaffSignInFailure.objects.filter(address=address[:45], at__gt=since)
                           .values_list("at", flat=True)),
    )
    wait = sign_in_wait(failures=failures, now=at)
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        raise SignInThrottled(gettext_noop("登录失败次数过多，请 {minutes} 分钟后再试"), field="username",
                              params={"minutes": minutes})


def record_sign_in_failure(*, username: str, address: str, at: datetime) -> None:
    StaffSignInFailure.objects.create(username=username.strip()[:150], address=address[:45], at=at)
