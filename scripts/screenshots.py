"""Retakes the README's screenshots from a served demo town, in Debian's Chromium.

    mkdir town && cd town && gridpay demo --serve --port 8000 &    # prints the sign-ins and the portal's 户号
    python ../scripts/screenshots.py --portal-account 0595010105 --town . --out ../docs/screenshots

Signs in as the demo's staff (their one demo password) and as the portal household (its code read from the demo's
SMS file, gridpay-sms.jsonl in the town's directory), and writes each page as a PNG: desk 1366×768, phone 390×844.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, sync_playwright

DESK = ViewportSize(width=1366, height=768)
PHONE = ViewportSize(width=390, height=844)
PASSWORD = "Matou-2024!"  # gridpay.demo.sign_ins.DEMO_PASSWORD: the demo town's only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--town", type=Path, default=Path("."), help="the demo town's directory (its SMS file)")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--portal-account", required=True, help="the 户号 the served demo printed for the portal")
    parser.add_argument("--case-account", help="an account whose arrears case was executed, for its timeline")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])

        def staff_page(username: str, viewport: ViewportSize) -> Page:
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(f"{args.base}/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.press("#id_password", "Enter")
            page.wait_for_selector("header.top")
            return page

        def shot(page: Page, path: str, name: str, *, full: bool = True) -> None:
            page.goto(args.base + path)
            page.wait_for_load_state("load")
            if page.locator(".chart").count():
                page.wait_for_selector(".chart canvas")
                page.wait_for_timeout(600)  # the charts' entry animation
            page.screenshot(path=str(args.out / name), full_page=full)
            print(f"{name}: {path}")

        head = staff_page("head", DESK)
        shot(head, "/", "dashboard.png")
        shot(head, "/rollout/", "rollout.png")
        shot(head, "/reports/monthly/", "monthly-report.png")
        if args.case_account:
            shot(head, f"/customers/{args.case_account}/arrears/", "arrears-timeline.png")

        shot(staff_page("collector", PHONE), "/arrears/queue/", "arrears-queue-phone.png")
        shot(staff_page("grid", PHONE), "/calls/", "calls-phone.png")

        shot(staff_page("metering", DESK), "/queues/", "queues.png")

        portal = browser.new_context(viewport=PHONE).new_page()
        account_no = args.portal_account
        portal.goto(f"{args.base}/portal/")
        portal.fill("#id_account_no", account_no)
        portal.click("main button[type=submit]")
        portal.wait_for_selector("#id_code")
        portal.fill("#id_code", _latest_code(args.town / "gridpay-sms.jsonl"))
        portal.click("main button[type=submit]")
        portal.wait_for_load_state("load")
        shot(portal, f"/portal/accounts/{account_no}/", "portal-phone.png")
        browser.close()


def _latest_code(sms_file: Path) -> str:
    for line in reversed(sms_file.read_text(encoding="utf-8").splitlines()):
        message = json.loads(line)
        if message.get("kind") == "portal_code" or "验证码" in message.get("text", ""):
            code = re.search(r"\d{6}", message["text"])
            if code:
                return code[0]
    sys.exit(f"no sign-in code in {sms_file}")


if __name__ == "__main__":
    main()
