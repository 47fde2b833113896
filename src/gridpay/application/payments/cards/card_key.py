"""The key that digests card PINs: GRIDPAY_CARD_PIN_KEY, or one derived from the secret key."""

import hashlib

from django.conf import settings

from gridpay.application.secret_key import require_secret_key


def card_pin_key() -> bytes:
    configured = str(settings.GRIDPAY.get("CARD_PIN_KEY") or "")
    if configured:
        return configured.encode()
    # Derived as it always was: the cards already printed keep their PINs (ADR 0007). So a new secret key voids
    # every unredeemed card issued under the old one; GRIDPAY_CARD_PIN_KEY keeps them apart.
    return hashlib.sha256(f"gridpay-card-pin:{require_secret_key()}".encode()).digest()
