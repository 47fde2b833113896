"""The key that digests card PINs: GRIDPAY_CARD_PIN_KEY, or one derived from the secret key."""

import hashlib

from django.conf import settings


def card_pin_key() -> bytes:
    configured = str(settings.GRIDPAY.get("CARD_PIN_KEY") or "")
    if configured:
        return configured.encode()
    return hashlib.sha256(f"gridpay-card-pin:{settings.SECRET_KEY}".encode()).digest()
