"""Money as integer fen, and the one rounding that turns exact amounts into fen (四舍五入)."""

# Exact amounts are integers of micro-yuan (1e-6 yuan): energy has 2 decimals of kWh and prices
# 4 decimals of yuan, so every energy × price product is a whole number of micro-yuan.
MICRO_YUAN_PER_FEN = 10_000
FEN_PER_YUAN = 100


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
    """``"55.8"`` → ``5580``: a channel's decimal yuan amount, exactly; ValueError for anything else."""
    whole, dot, cents = text.strip().partition(".")
    if not whole.isdigit() or not whole.isascii() or (dot and not (cents.isdigit() and cents.isascii())):
        raise ValueError(f"不是以元为单位的金额：{text!r}")
    if len(cents) > 2:
        raise ValueError(f"金额最多两位小数：{text!r}")
    return int(whole) * FEN_PER_YUAN + int(cents.ljust(2, "0") or 0)


def yuan_text(fen: int) -> str:
    """``5580`` → ``"55.80"`` as a channel wants it on the wire (never negative)."""
    if fen < 0:
        raise ValueError(f"金额不能为负：{fen}")
    return format_yuan(fen)
