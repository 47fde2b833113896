"""The providers of the embedded default: SMS appended to a JSON-lines file, or printed to the console."""

import json
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from gridpay.integrations.sms.provider import SmsMessage


class FileSmsProvider:
    """Writes each SMS as one JSON line: a town without an SMS contract still sees what would be sent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        message_id = uuid.uuid4().hex
        line = {
            "id": message_id, "at": datetime.now(UTC).isoformat(), "phone": message.phone, "kind": message.kind,
            "params": dict(message.params), "text": message.text,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id


class ConsoleSmsProvider:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: SmsMessage) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"短信 → {message.phone}：{message.text}\n")
        return uuid.uuid4().hex
