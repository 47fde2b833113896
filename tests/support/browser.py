"""The browser tests' Chromium (Debian's, driven by Playwright) and the two screen sizes they look at."""

import os
import shutil

CHROMIUM = shutil.which("chromium") or ""
REQUIRE = os.environ.get("GRIDPAY_REQUIRE_SERVICES") == "1"
SIZES = {"desk": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
