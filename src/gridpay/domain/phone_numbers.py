"""Chinese telephone numbers: an 11-digit mobile, or a landline (area code, local number, extension), normalised."""

import re

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

MOBILE = re.compile(r"1[3-9]\d{9}")
# 010 and 02x are the 3-digit area codes, every other one has 4 digits; a local number does not start with 0 or 1.
LANDLINE = re.compile(r"(0[12]\d|0[3-9]\d{2})-?([2-9]\d{6,7})(?:(?:-|转|ext\.?)(\d{1,6}))?", re.IGNORECASE)
_SEPARATORS = str.maketrans("", "", " ()（）\u3000")


class InvalidPhone(DomainError):
    code = "invalid_phone"


def normalised_phone(text: str, *, mobile_only: bool = False) -> str:
    """A mobile as its 11 digits; a landline as 区号-号码[-分机]. Anything else is refused, naming what was given."""
    compact = text.translate(_SEPARATORS)
    if compact.startswith("+86"):
        compact = compact[3:].lstrip("-")
    if MOBILE.fullmatch(compact.replace("-", "")):
        return compact.replace("-", "")
    if mobile_only:
        raise InvalidPhone(gettext_noop("手机号应为 11 位数字、以 13–19 开头：{phone}"), field="phone",
                           params={"phone": text})
    landline = LANDLINE.fullmatch(compact)
    if landline is None:
        raise InvalidPhone(
            gettext_noop("电话号码应为 11 位手机号，或带区号的固定电话（例如 0595-22345678）：{phone}"),
            field="phone", params={"phone": text},
        )
    area, local, extension = landline.groups()
    return f"{area}-{local}" + (f"-{extension}" if extension else "")


def receives_sms(phone: str) -> bool:
    """Only a mobile receives an SMS: a landline kept as a customer's phone is for calls."""
    return MOBILE.fullmatch(phone) is not None
