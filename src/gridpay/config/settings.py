"""Django settings; the database is GRIDPAY_DATABASE_URL (default: SQLite in the current directory), and the reports
read from GRIDPAY_REPLICA_DATABASE_URL when it is set."""

import os
import re
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from gridpay.config.secret_key import choose_secret_key
from gridpay.data.replica import REPLICA, ROUTER
from gridpay.data.settings import SettingInvalid, environment_value, from_environment, integer, problem, switch

DEFAULT_DATABASE_URL = "sqlite:///gridpay.sqlite3"
POSTGRESQL = "django.db.backends.postgresql"


def database_from_url(url: str) -> dict[str, Any]:
    # A web worker keeps its connection between requests: opening one costs more than a payment's queries.
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_health_checks=True, conn_max_age=environment_value(
            os.environ, "GRIDPAY_DB_CONN_MAX_AGE", integer(minimum=0, maximum=24 * 3600), default=60))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing half-way with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
        }
    return config


def replica_from_url(url: str, *, primary: dict[str, Any]) -> dict[str, Any]:
    """The streaming replica the reports and exports read from (gridpay.data.replica): PostgreSQL, beside a
    PostgreSQL primary (SQLite has no replica). SettingInvalid, naming the variable, for anything else."""
    shown = re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)  # never the password
    try:
        config = database_from_url(url)
    except ValueError:  # dj_database_url's unknown scheme, or a port that is not a number
        config = {}
    if config.get("ENGINE") != POSTGRESQL or not config.get("NAME"):
        raise SettingInvalid(problem("GRIDPAY_REPLICA_DATABASE_URL", shown,
                                     " PostgreSQL 备库的地址，如 postgresql://gridpay@db-replica:5432/gridpay"))
    if primary["ENGINE"] != POSTGRESQL:
        raise SettingInvalid("GRIDPAY_REPLICA_DATABASE_URL 只能与 PostgreSQL 主库同用（SQLite 没有备库），而 "
                             "GRIDPAY_DATABASE_URL 不是 PostgreSQL：请删去 GRIDPAY_REPLICA_DATABASE_URL，"
                             "或把主库换成 PostgreSQL。")
    # The test runner creates no database on it: it stands for the primary's test database.
    return {**config, "TEST": {"MIRROR": "default"}}


BASE_DIR = Path(__file__).resolve().parent.parent
# Business settings of one utility and of its processes, each GRIDPAY_* variable checked once, here: a value that
# cannot be used stops every gridpay process at start-up with one line naming the variable (gridpay.data.settings).
GRIDPAY = from_environment(os.environ)
DEBUG = environment_value(os.environ, "GRIDPAY_DEBUG", switch, default=False)
ALLOWED_HOSTS = [
    h for h in os.environ.get("GRIDPAY_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "gridpay.config",  # gridpay's own system checks (gridpay.config.checks)
    "gridpay.data",
    "gridpay.interfaces.api",
    "gridpay.interfaces.cli",
    "gridpay.interfaces.web",
    "gridpay.interfaces.jobs",
    "gridpay.interfaces.gateway",
    "ninja",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below, on every answer
    # Serves the API docs' Swagger files (and the admin's) without a separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridpay.interfaces.web.middleware.ChineseFirst",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that its refusal page has the signed-in person and every header of the answers above.
    "gridpay.interfaces.request_checks.RefuseNulCharacters",
]

ROOT_URLCONF = "gridpay.config.urls"
WSGI_APPLICATION = "gridpay.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridpay.interfaces.web.context.staff",
                "gridpay.interfaces.web.context.portal",
            ]
        },
    }
]

DATABASES = {"default": database_from_url(os.environ.get("GRIDPAY_DATABASE_URL", DEFAULT_DATABASE_URL))}
# Unset (the default): no second alias and no router, every query on the one database.
if os.environ.get("GRIDPAY_REPLICA_DATABASE_URL", "").strip():
    DATABASES[REPLICA] = replica_from_url(os.environ["GRIDPAY_REPLICA_DATABASE_URL"].strip(),
                                          primary=DATABASES["default"])
    DATABASE_ROUTERS = [ROUTER]
# No built-in key (ADR 0007): it signs sessions and keys the digests of card PINs and sign-in codes. Without a
# usable one SECRET_KEY is empty, so nothing can sign with it by accident, and GRIDPAY_SECRET_KEY_PROBLEM says why:
# `gridpay serve`, `worker` and the digests refuse with that sentence; other commands run.
SECRET_KEY, GRIDPAY_SECRET_KEY_PROBLEM = choose_secret_key(
    configured=os.environ.get("GRIDPAY_SECRET_KEY", ""), database=DATABASES["default"]
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The supply policy's window times default to fixed times of day (09:00, 16:00): exactly what is meant,
# though Django warns on every command that a fixed time "may not be what you want". HSTS preload (W021) commits
# the whole registrable domain and all its names to HTTPS for good: the utility's domain owner decides it at the
# apex, not an application on one of its hosts (ADR 0007).
SILENCED_SYSTEM_CHECKS = ["fields.W161", "security.W021"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # msgids are the Chinese texts; locale/en holds the English
USE_I18N = True
USE_TZ = True
TIME_ZONE = GRIDPAY.business_time_zone
STATIC_URL = "static/"
# Static files (ECharts, htmx, the console's CSS, the API docs' Swagger) served from the installed apps by
# WhiteNoise: the embedded default needs no collectstatic and no separate web server.
WHITENOISE_USE_FINDERS = True
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_AGE = 8 * 3600  # a working day
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # no page of gridpay is meant to be shown inside another site's frame
# Content-Security-Policy (django-csp, ADR 0037): scripts only from gridpay's own static files, or inline with the
# request's nonce (`<script nonce="{{ request.csp_nonce }}">`), no inline event handlers; nothing loaded from, sent
# to or framed by another site. Inline styles stay allowed: ECharts' tooltips and htmx write them, and a style cannot
# run a script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Swagger UI's icons are data: URLs in its stylesheet
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# GRIDPAY_TLS=1: served only over HTTPS, through the utility's reverse proxy, which ends TLS and must set
# X-Forwarded-Proto (overwriting what the client sent). The embedded default and the demo stay on plain HTTP.
if environment_value(os.environ, "GRIDPAY_TLS", switch, default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Browsers then refuse plain HTTP to this host for a year (GRIDPAY_HSTS_SECONDS=3600 while trying HTTPS out).
    # Names below the host gridpay answers on are included: its cookies cannot be planted from a plain-HTTP one.
    SECURE_HSTS_SECONDS = environment_value(os.environ, "GRIDPAY_HSTS_SECONDS",
                                            integer(minimum=0, maximum=2 * 365 * 24 * 3600), default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
WHITENOISE_USE_FINDERS = True  # straight from the installed apps: no collectstatic step to forget

# Jobs and schedules (ADR 0004): django-q2 keeps its queue in gridpay's own database. Each job is
# idempotent by its own keys, so the queue never retries by itself (max_attempts 1).
Q_CLUSTER = {
    "name": "gridpay",
    "orm": "default",
    "workers": environment_value(os.environ, "GRIDPAY_WORKERS", integer(minimum=1, maximum=64), default=2),
    "timeout": 3 * 3600,
    "retry": 4 * 3600,
    "max_attempts": 1,
    "catch_up": False,
    "poll": 1,
    "label": "定时任务",
}

# The SMS provider and its keys, read by the SMS integration (GRIDPAY_SMS_PROVIDER: file, console,
# aliyun or tencent; see README).
SMS_CONFIG = {
    key: value
    for key, value in os.environ.items()
    if key.startswith(("GRIDPAY_SMS_", "GRIDPAY_ALIYUN_", "GRIDPAY_TENCENT_"))
}

# The payment channels' merchant numbers, key files and notification URLs, read by the channel adapters
# (GRIDPAY_WECHATPAY_*, GRIDPAY_ALIPAY_*, GRIDPAY_AGENT_*, GRIDPAY_CARD_*; see README, "Payment channels").
PAYMENT_CHANNELS_CONFIG = {
    key: value
    for key, value in os.environ.items()
    if key.startswith(("GRIDPAY_WECHATPAY_", "GRIDPAY_ALIPAY_"))
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDPAY_LOG_LEVEL", "WARNING")},
}
