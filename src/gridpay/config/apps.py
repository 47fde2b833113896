"""Registers gridpay's own system checks with Django (the configuration is theirs to check)."""

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "gridpay.config"
    label = "gridpay_config"

    def ready(self) -> None:
        from gridpay.config.checks import register_checks

        register_checks()
