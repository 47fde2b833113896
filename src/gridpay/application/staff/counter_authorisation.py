"""A supervisor's authorisation at the counter (班长授权): who signs for an amount above the limit or for a void."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import authenticate
from django.db import transaction

from gridpay.application.staff.acting_staff import ActingStaff, acting_staff
from gridpay.data.models import AuditRecord
from gridpay.data.staff import roles_of
from gridpay.domain.counter_desk import AuthorisationRefused, check_authoriser
from gridpay.domain.texts import gettext_noop

NAME_THE_AUTHORISER = gettext_noop("须由班长或所长授权：请填写授权人的登录名和密码")  # the console's words


@dataclass(frozen=True)
class Authoriser:
    """Whom the cashier names as authorising. On the console the supervisor types their password into the cashier's
    form, and it is checked; on the command line they are named (``--authorised-by``) and trusted as ``--as`` is,
    since whoever runs `gridpay` on the server may do anything anyway."""

    username: str
    password: str | None = None  # None: named on the command line

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"Authoriser(username={self.username!r})"


def authorising_staff(*, authoriser: Authoriser, cashier: tuple[str, ...], purpose: str, at: datetime) -> ActingStaff:
    """The supervisor or station head who authorises ``purpose`` for the cashier (named by their login and by the
    name on their receipts), or AuthorisationRefused. A wrong password is kept in the audit trail, under the cashier
    who sent it: guessing a supervisor's password from the counter leaves a record."""
    username = authoriser.username.strip()
    if not username:
        raise AuthorisationRefused(NAME_THE_AUTHORISER, field="supervisor_username")
    if authoriser.password is not None:
        user = authenticate(username=username, password=authoriser.password)
        if user is None:
            with transaction.atomic():
                AuditRecord.objects.create(at=at, actor=(cashier[0] or cashier[-1])[:100],
                                           action="counter.authorisation_refused", target=f"staff:{username[:90]}",
                                           note=purpose[:500])
            raise AuthorisationRefused(gettext_noop("授权人的登录名或密码不正确"), field="supervisor_password")
        staff = ActingStaff(username=user.get_username(), name=str(getattr(user, "first_name", "") or "").strip(),
                            roles=frozenset(roles_of(user)))
    else:
        staff = acting_staff(username)
    check_authoriser(authoriser=(staff.username, staff.name), roles=staff.roles, cashier=cashier)
    return staff
