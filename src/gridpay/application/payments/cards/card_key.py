"""The key that digests card PINs: GRIDPAY_CARD_PIN_KEY, or one derived from the secret key."""

import hashlib

from gridpay.application.secret_key import require_secret_key
from gridpay.data.settings import gridpay_settings


def card_pin_key() -> bytes:
    configured = gridpay_settings().card_pin_key
    if configured:
        return configured.encode()
    # Derived as it always was: the cards already printed keep their PINs (ADR 0007). So a new secret key voids
    # every unredeemed card issued under the old one; GRIDPAY_CARD_PIN_KEY keeps them apart.
    return hashlib.sha256(f"gridpay-card-pin:{require_secret_key()}".encode()).digest()
