"""The head-end's protocol seam: gridpay's commands to DL/T 645-2007 frames, and meters' frames back."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from gridpay.domain.meter_commands import CommandAction, ControlAnswer, RelayReadBack
from gridpay.integrations.headend import dlt645_frames as frames

ACTIONS = {
    CommandAction.DISCONNECT: frames.RelayAction.DISCONNECT,
    CommandAction.RECONNECT: frames.RelayAction.RECONNECT,
    CommandAction.PROTECT: frames.RelayAction.PROTECT,
    CommandAction.RELEASE: frames.RelayAction.RELEASE_PROTECT,
}


@dataclass(frozen=True)
class Credentials:
    """What a remote-control frame must carry for the meter to obey it (set per utility)."""

    password_level: int = 0x02
    password: str = "000000"
    operator: str = "00000001"
    meter_zone: str = "Asia/Shanghai"  # the meters' wall clock, for the 命令截止时间


def control_frame(*, address: str, action: CommandAction, expires_at: datetime, credentials: Credentials) -> bytes:
    local = expires_at.astimezone(ZoneInfo(credentials.meter_zone)).replace(tzinfo=None, microsecond=0)
    return frames.remote_control_frame(
        frames.RemoteControl(
            address=address, action=ACTIONS[action], password_level=credentials.password_level,
            password=credentials.password, operator=credentials.operator, expires_at=local,
        )
    )


def relay_read_frame(address: str) -> bytes:
    return frames.read_frame(address, frames.STATUS_WORD_3)


Uplink = ControlAnswer | RelayReadBack | frames.DailyFrozenEnergy


def decode_uplink(raw: bytes) -> Uplink | None:
    """What a meter said, or None for a frame the head-end does not use (or cannot read)."""
    try:
        address, control = frames.peek(raw)
        if control & ~frames.ABNORMAL == frames.REMOTE_CONTROL | frames.REPLY:
            answer, _ = frames.parse_answer(raw, command=frames.REMOTE_CONTROL)
            return ControlAnswer(address=answer.address, accepted=answer.accepted, error=answer.error)
        if control & ~frames.ABNORMAL != frames.READ_DATA | frames.REPLY or control & frames.ABNORMAL:
            return None
        if frames.read_identifier(raw) == frames.STATUS_WORD_3:
            relay_open = frames.parse_relay_open(raw)
            return RelayReadBack(address=address, relay_open=relay_open) if isinstance(relay_open, bool) else None
        energy = frames.parse_daily_frozen(raw)
        return energy if isinstance(energy, frames.DailyFrozenEnergy) else None
    except (frames.FrameInvalid, ValueError):
        return None
