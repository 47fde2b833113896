"""The MQTT broker the gateway and the simulated meters meet on: GRIDPAY_MQTT_URL, or the embedded one."""

from django.core.management.base import CommandError

from gridpay.data.settings import gridpay_settings
from gridpay.integrations.headend import mqtt


def configured_broker(url: str | None) -> mqtt.BrokerAddress | None:
    """The broker to use, or None for the embedded one (no GRIDPAY_MQTT_URL)."""
    url = url or gridpay_settings().mqtt_url
    if not url:
        return None
    try:
        return mqtt.parse_broker_url(url)
    except ValueError as error:
        raise CommandError(str(error)) from None


def embedded_address() -> mqtt.BrokerAddress:
    return mqtt.BrokerAddress(host="127.0.0.1", port=gridpay_settings().embedded_mqtt_port)
