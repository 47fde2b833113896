"""Django settings; the database is GRIDPAY_DATABASE_URL (default: SQLite in the current directory)."""

import os
from pathlib import Path
from typing import Any

import dj_database_url

DEFAULT_DATABASE_URL = "sqlite:///gridpay.sqlite3"


def database_from_url(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing half-way with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
        }
    return config


BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("GRIDPAY_SECRET_KEY", "gridpay-development-only-secret-key-change-me")
DEBUG = os.environ.get("GRIDPAY_DEBUG", "0") == "1"
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
    "gridpay.data",
    "gridpay.interfaces.cli",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the API docs' Swagger files (and the admin's) without a separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": database_from_url(os.environ.get("GRIDPAY_DATABASE_URL", DEFAULT_DATABASE_URL))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("GRIDPAY_TIME_ZONE", "Asia/Shanghai")
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True  # straight from the installed apps: no collectstatic step to forget

# Business settings of one utility (RULES.md marks them "default": provinces differ).
GRIDPAY = {
    "BUSINESS_TIME_ZONE": TIME_ZONE,
    # A reading implying more than this in one day is rejected (60 A × 220 V × 24 h ≈ 317 kWh).
    "MAX_DAILY_KWH": os.environ.get("GRIDPAY_MAX_DAILY_KWH", "500"),
    # Days of recent daily charges behind the average and the days-left forecast.
    "AVERAGE_DAYS": int(os.environ.get("GRIDPAY_AVERAGE_DAYS", "7")),
    "SETTLEMENT_BATCH_SIZE": int(os.environ.get("GRIDPAY_SETTLEMENT_BATCH_SIZE", "20000")),
    # Batches settled at once on PostgreSQL, each on its own connection (SQLite has one writer).
    "SETTLEMENT_WORKERS": int(os.environ.get("GRIDPAY_SETTLEMENT_WORKERS", "2")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDPAY_LOG_LEVEL", "WARNING")},
}
