"""What the end-to-end tests share: a browser (Debian's Chromium through Playwright) for the browser tests."""

from typing import Any

import pytest

from tests.support.browser import CHROMIUM, REQUIRE


@pytest.fixture
def browser() -> Any:
    if not CHROMIUM:
        if REQUIRE:
            pytest.fail("chromium is not installed while GRIDPAY_REQUIRE_SERVICES=1 (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()
