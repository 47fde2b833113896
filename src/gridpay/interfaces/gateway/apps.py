"""Registers the head-end process with Django, for its command (`gridpay gateway`)."""

from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "gridpay.interfaces.gateway"
    label = "gridpay_gateway"
