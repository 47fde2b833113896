"""gridpay's own system checks: the secret key with debugging off, and what production must set (`check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from gridpay.config.secret_key import GENERATE, is_weak
from gridpay.data.settings import gridpay_settings


def register_checks() -> None:
    # Django hands a check app_configs and databases; these look at the settings alone.
    register(Tags.security)(insecure_secret_key)
    register(Tags.security, deploy=True)(no_secret_key)
    register(Tags.security, deploy=True)(demo_defaults_in_production)
    register(Tags.security, deploy=True)(demo_payments_in_production)


def insecure_secret_key(**kwargs: Any) -> list[CheckMessage]:
    """A weak or well-known key (django-insecure-…, gridpay's former built-in one) signs nothing with debugging
    off: every command refuses. gridpay's settings never choose one (ADR 0007); another settings module might."""
    key = secret_key()
    if settings.DEBUG or not key or not is_weak(key):
        return []
    return [Error("SECRET_KEY 是不安全的默认或弱密钥：关闭调试时不能使用。",
                  hint=f"设置 GRIDPAY_SECRET_KEY（可用 {GENERATE} 生成），不要在设置中写死密钥。",
                  id="gridpay.E001")]


def no_secret_key(**kwargs: Any) -> list[CheckMessage]:
    """No usable key (PostgreSQL without GRIDPAY_SECRET_KEY, a weak one, a damaged key file): serve, worker and the
    digests refuse at their start, other commands run; the deploy check says so at once, in the settings' words."""
    problem = str(getattr(settings, "GRIDPAY_SECRET_KEY_PROBLEM", ""))
    if settings.DEBUG or not (problem or not secret_key()):
        return []
    # The settings' line names the variable and how to make a key; a key emptied elsewhere has none.
    message = problem or f"SECRET_KEY 为空：关闭调试时必须有密钥，请设置 GRIDPAY_SECRET_KEY（可用 {GENERATE} 生成）。"
    return [Error(message, id="gridpay.E002")]


def demo_defaults_in_production(**kwargs: Any) -> list[CheckMessage]:
    return [Error(f"未设置 {variable}：它的默认值只适用于演示，生产环境必须设置。", id="gridpay.E003")
            for variable in gridpay_settings().missing_in_production()]


def demo_payments_in_production(**kwargs: Any) -> list[CheckMessage]:
    if not gridpay_settings().demo_payments:
        return []
    return [Error("GRIDPAY_DEMO_PAYMENTS 已开启：网上营业厅的演示支付不收钱就入账，只能用于演示。",
                  hint="生产环境删去 GRIDPAY_DEMO_PAYMENTS（ADR 0026）。", id="gridpay.E004")]


def secret_key() -> str:
    try:
        return str(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django will not hand out an empty key, even to say that it is empty
        return ""
