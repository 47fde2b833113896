"""Registers the web interface with Django, for its templates and static files."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "gridpay.interfaces.web"
    label = "gridpay_web"
    verbose_name = "gridpay 网页"
