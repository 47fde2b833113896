"""A staff member named on the command line (--as): who they are and the roles they hold."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from gridpay.application.errors import NotFound
from gridpay.data.staff import roles_of
from gridpay.domain.staff_roles import Role
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class ActingStaff:
    username: str
    name: str
    roles: frozenset[Role]

    @property
    def actor(self) -> str:
        """How the audit trail names them: the name people know, and the login that cannot be confused."""
        return f"{self.name}（{self.username}）" if self.name and self.name != self.username else self.username


def acting_staff(username: str) -> ActingStaff:
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise NotFound(gettext_noop("没有在职的工作人员 {username}（gridpay staff add 添加）"), field="as",
                       params={"username": username})
    name = str(getattr(user, "first_name", "") or "").strip()
    return ActingStaff(username=user.get_username(), name=name, roles=frozenset(roles_of(user)))
