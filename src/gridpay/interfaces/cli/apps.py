"""Registers the `gridpay` management commands with Django."""

from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "gridpay.interfaces.cli"
    label = "gridpay_cli"
