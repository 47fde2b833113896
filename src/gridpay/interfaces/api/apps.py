"""Registers the JSON API with Django, for its reference page's template (/api/docs)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gridpay.interfaces.api"
    label = "gridpay_api"
    verbose_name = "gridpay 接口"
