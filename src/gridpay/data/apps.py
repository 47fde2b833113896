"""The Django app that owns gridpay's tables."""

from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "gridpay.data"
    label = "gridpay"
    verbose_name = "gridpay"

    def ready(self) -> None:
        from gridpay.data.instants_loader import connect

        connect()
