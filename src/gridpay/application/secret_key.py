"""The configured secret key, for what is signed or digested with it; a clear refusal when there is none."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretKeyRefused(ImproperlyConfigured):
    """No usable secret key: the message is one Chinese line naming the variable to set and how to make one."""


def require_secret_key() -> str:
    problem = str(getattr(settings, "GRIDPAY_SECRET_KEY_PROBLEM", ""))
    if problem:
        raise SecretKeyRefused(problem)
    return str(settings.SECRET_KEY)
