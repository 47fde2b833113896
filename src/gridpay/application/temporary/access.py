"""Who may register, connect and end a temporary supply: the counter (营业员), 班长 and 所长, not the administrator."""

from collections.abc import Iterable

from gridpay.domain.errors import DomainError
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


class NotAllowed(DomainError):
    code = "temporary_not_allowed"
    http_status = 403


def check_may_manage(roles: Iterable[Role]) -> None:
    if not may(roles, Action.MANAGE_TEMPORARY_SUPPLY):
        raise NotAllowed(gettext_noop("只有营业员、班长或所长可以办理临时用电"), field="as")
