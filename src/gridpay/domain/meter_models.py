"""Meter models: what a kind of meter can do, which decides how it is reconnected and read.

A meter bought under DL/T 645-2007 as first published closes its relay only by 1B (合闸允许): the relay
stays open until the customer presses the meter's button (an internal relay) or closes the breaker in the
meter box (an external one). Meters built to the 2013 amendment also take 1C (直接合闸) and close at once.
A meter whose model is not known is treated as the first kind: 1B is obeyed by every meter.
"""

from dataclasses import dataclass
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

FREEZE_DEPTH_MAX = 62  # DL/T 645-2007: daily freezes (上1次) … (上62次)


class RelayKind(StrEnum):
    INTERNAL = "internal"  # 内置继电器: the customer presses the meter's button
    EXTERNAL = "external"  # 外置断路器: the customer closes the breaker in the meter box

    @property
    def label(self) -> str:
        return RELAY_LABELS[self]


RELAY_LABELS = {RelayKind.INTERNAL: gettext_noop("内置继电器"), RelayKind.EXTERNAL: gettext_noop("外置断路器")}


class ReconnectWay(StrEnum):
    DIRECT = "direct"  # 1C: the relay closes at once
    CLOSE_PERMITTED = "close_permitted"  # 1B: the customer closes it


class MeterModelInvalid(DomainError):
    code = "meter_model_invalid"


@dataclass(frozen=True)
class MeterModel:
    code: str
    name: str
    relay: RelayKind = RelayKind.INTERNAL
    direct_close: bool = False  # takes 1C (直接合闸, 2013 amendment)
    password_level: int = 0x02  # the PA its remote control needs: 02 (or 04)
    rates: int = 4  # time-of-use rates its registers carry (0: the total only)
    freeze_depth: int = FREEZE_DEPTH_MAX  # daily freezes it keeps

    def __post_init__(self) -> None:
        if not self.code.strip() or not self.name.strip():
            raise MeterModelInvalid(gettext_noop("表计型号应有代码和名称"), field="code")
        if self.password_level not in (0x02, 0x04):
            raise MeterModelInvalid(gettext_noop("远程控制的密码权限应为 02 或 04"), field="password_level")
        if not 0 <= self.rates <= 4:
            raise MeterModelInvalid(gettext_noop("费率数应为 0（仅总电量）到 4（尖峰平谷）"), field="rates")
        if not 1 <= self.freeze_depth <= FREEZE_DEPTH_MAX:
            raise MeterModelInvalid(gettext_noop("日冻结存储深度应为 1 到 {most} 天"), field="freeze_depth",
                                    params={"most": FREEZE_DEPTH_MAX})

    @property
    def reconnect_way(self) -> ReconnectWay:
        return ReconnectWay.DIRECT if self.direct_close else ReconnectWay.CLOSE_PERMITTED


# Meters of no known model: the first edition's close (1B), every register, every freeze.
UNKNOWN = MeterModel(code="unknown", name="未登记型号（按合闸允许处理）")

# The models gridpay knows out of the box (a utility adds its own).
BUILT_IN = (
    MeterModel(code="DDZY-2013", name="单相费控智能电能表（2013 备案，内置继电器，支持直接合闸）", direct_close=True),
    MeterModel(code="DDZY-2009", name="单相费控智能电能表（2009 版，内置继电器，仅合闸允许）"),
    MeterModel(code="DTZY-EXT", name="三相费控智能电能表（外置断路器，仅合闸允许）", relay=RelayKind.EXTERNAL),
    MeterModel(code="DDZY-TOTAL", name="单相费控电能表（仅总电量，仅合闸允许）", rates=0),
)
