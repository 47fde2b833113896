"""Fixtures of the integration tests: local servers that play WeChat Pay and Alipay, configured as the channels."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.channel_servers import AlipayGateway, WeChatPayServer


@pytest.fixture
def wechat(tmp_path: Path, settings: Any) -> Iterator[WeChatPayServer]:
    server = WeChatPayServer()
    with server.running():
        settings.PAYMENT_CHANNELS_CONFIG = server.settings(tmp_path)
        yield server


@pytest.fixture
def alipay(tmp_path: Path, settings: Any) -> Iterator[AlipayGateway]:
    server = AlipayGateway()
    with server.running():
        settings.PAYMENT_CHANNELS_CONFIG = server.settings(tmp_path)
        yield server
