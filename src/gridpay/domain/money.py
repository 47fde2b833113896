"""Money as integer fen, and the one rounding that turns exact amounts into fen (四舍五入)."""

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

# Exact amounts are integers of micro-yuan (1e-6 yuan): energy has 2 decimals of kWh and prices
# 4 decimals of yuan, so every energy × price product is a whole number of micro-yuan.
MICRO_YUAN_PER_FEN = 10_000
FEN_PER_YUAN = 100


class InvalidAmount(DomainError):
    """A text that is not an amount of yuan with at most two decimals."""

    code = "invalid_amount"


def round_to_fen(*, micro_yuan: int) -> int:
    """The only rounding from exact amounts to money: half up, away from zero (ROUND_HALF_UP)."""
    whole, rest = divmod(abs(micro_yuan), MICRO_YUAN_PER_FEN)
    fen = whole + (1 if rest * 2 >= MICRO_YUAN_PER_FEN else 0)
    return fen if micro_yuan >= 0 else -fen


def micro_yuan_of(*, energy_ckwh: int, price_e4: int) -> int:
    """Exact amount of ``energy_ckwh`` hundredths of a kWh at ``price_e4`` ten-thousandths of a yuan."""
    return energy_ckwh * price_e4


def format_yuan(fen: int) -> str:
    """``5580`` → ``"55.80"``; for display only, money stays in fen."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def fen_from_yuan_text(text: str) -> int:
    """``"55.8"`` → ``5580``: a channel's (or a person's) decimal yuan amount, exactly; InvalidAmount for anything
    else."""
    # The common form first (statements have a million of them): digits, a dot, two digits.
    if len(text) > 3 and text[-3] == "." and text.isascii():
        whole, cents = text[:-3], text[-2:]
        if whole.isdigit() and cents.isdigit():
            return int(whole) * FEN_PER_YUAN + int(cents)
    whole, dot, cents = text.strip().partition(".")
    if not whole.isdigit() or not whole.isascii() or (dot and not (cents.isdigit() and cents.isascii())):
        raise InvalidAmount(gettext_noop("不是以元为单位的金额：{text!r}"), params={"text": text})
    if len(cents) > 2:
        raise InvalidAmount(gettext_noop("金额最多两位小数：{text!r}"), params={"text": text})
    return int(whole) * FEN_PER_YUAN + int(cents.ljust(2, "0") or 0)


def yuan_text(fen: int) -> str:
    """``5580`` → ``"55.80"`` as a channel wants it on the wire (never negative)."""
    if fen < 0:
        raise ValueError(f"金额不能为负：{fen}")
    return format_yuan(fen)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_GROUP_UNITS = ["", "万", "亿", "万亿"]


def yuan_in_words(fen: int) -> str:
    """人民币大写 as receipts write it: ``12345`` → ``"壹佰贰拾叁元肆角伍分"``, ``10000`` → ``"壹佰元整"``."""
    if fen < 0:
        raise ValueError(f"金额不能为负：{fen}")
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    jiao, fen_digit = divmod(cents, 10)
    words = _integer_in_words(yuan) + "元" if yuan else ""
    if jiao == 0 and fen_digit == 0:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen_digit:
        words += _DIGITS[fen_digit] + "分"
    return words


def _integer_in_words(number: int) -> str:
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    if len(groups) > len(_GROUP_UNITS):
        raise ValueError("金额过大")
    words = ""
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(words)
            continue
        if words and (zero_pending or group < 1000):
            words += "零"
        words += _group_in_words(group) + _GROUP_UNITS[index]
        zero_pending = False
    return words


def _group_in_words(group: int) -> str:
    """1 to 9999, with inner zeros read once (1001 → 壹仟零壹)."""
    digits = [int(d) for d in f"{group:04d}"]
    words = ""
    zero = False
    started = False
    for position, digit in enumerate(digits):
        unit = _SMALL_UNITS[3 - position]
        if digit == 0:
            zero = started
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[digit] + unit
        started = True
    return words
