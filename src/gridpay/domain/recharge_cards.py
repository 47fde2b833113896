"""Recharge cards (电费充值卡): serials, secret PINs kept only as keyed digests, and when a card may be redeemed."""

import hashlib
import hmac
from datetime import date

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

PIN_DIGITS = 16
MAX_FAILED_ATTEMPTS = 5  # then the card locks: 16 digits are not guessed five at a time


class CardRefused(DomainError):
    code = "card_refused"


def pin_digest(*, key: bytes, serial: str, pin: str) -> str:
    """HMAC-SHA256 of the serial and the PIN: the same PIN on two cards gives two digests."""
    return hmac.new(key, f"{serial}:{normalise_pin(pin)}".encode(), hashlib.sha256).hexdigest()


def normalise_pin(pin: str) -> str:
    """Printed PINs are grouped (1234 5678 ...); people type them with spaces or dashes."""
    return "".join(ch for ch in pin if ch not in " -")


def group_pin(pin: str) -> str:
    return " ".join(pin[i : i + 4] for i in range(0, len(pin), 4))


def check_redeemable(*, card_status: str, batch_status: str, expires_on: date, today: date) -> None:
    if batch_status != "active" or card_status == "void":
        raise CardRefused(gettext_noop("此卡已作废"), field="serial")
    if card_status == "redeemed":
        raise CardRefused(gettext_noop("此卡已充值过，每张卡只能使用一次"), field="serial")
    if card_status == "locked":
        raise CardRefused(gettext_noop("此卡密码错误次数过多，已锁定，请持卡到营业厅办理"), field="pin")
    if today > expires_on:
        raise CardRefused(gettext_noop("此卡已于 {expires_on} 过期"), field="serial", params={"expires_on": expires_on})


def check_pin(*, expected_digest: str, key: bytes, serial: str, pin: str) -> bool:
    return hmac.compare_digest(expected_digest, pin_digest(key=key, serial=serial, pin=pin))
