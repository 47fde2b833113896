"""The alerts a run sent, in the commands' Chinese output."""

from collections.abc import Mapping

from gridpay.domain.alerts import AlertKind
from gridpay.domain.texts import label_of


def alerts_sent(sent: Mapping[str, int] | None) -> str:
    """``{"arrears": 3}`` → ``欠费停电通知 3 户``; 无 when nothing was sent."""
    return "，".join(f"{label_of(AlertKind, kind)} {n} 户" for kind, n in (sent or {}).items()) or "无"
