"""Every page of the console, the portal, the API's reference and Swagger UI on a 390-pixel phone: nothing wider
than the screen, and nothing the Content-Security-Policy blocks (the charts drawn, the scripts run).

The pages are those of the URLconf, so a page added later is covered, or this test fails until it says which sample
URL shows it. Each is loaded in Chromium at 390×844, over a small demo town, by someone whose role may see it;
neither the page nor any element on it may reach past the screen's edges, except inside a deliberate horizontal
scroll container (`.scroll`, the wide tables), which itself must fit.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from gridpay.data.models import Account, ArrearsCase, Village
from gridpay.demo.sign_ins import DEMO_PASSWORD, portal_household
from tests.support.browser import SIZES
from tests.support.pages import SAMPLES, Download, PostOnly

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PHONE = SIZES["phone"]
CODE = "246810"  # the portal household's sign-in code, known to the test


@pytest.fixture
def town(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A small demo town (made before the browser starts: Playwright runs an event loop in this thread, where
    Django's ORM won't), with what the demo does not make: a temporary supply, a green-channel household."""
    from dataclasses import replace

    from gridpay.application.customers.install_builtin_meter_models import install_builtin_meter_models
    from gridpay.application.green_channel.collect_at_home import collect_at_home
    from gridpay.application.green_channel.flag_household import flag_household
    from gridpay.application.payments.take_counter_payment import take_counter_payment
    from gridpay.application.portal import sign_in
    from gridpay.application.staff.acting_staff import acting_staff
    from gridpay.application.temporary.register_temporary_supply import (
        TemporaryRegistration,
        register_temporary_supply,
    )
    from gridpay.data.settings import gridpay_settings
    from gridpay.domain.staff_roles import Role
    from gridpay.interfaces import clock

    install_builtin_meter_models()  # a database flushed between tests has lost what the migration put there
    with open(tmp_path / "demo.txt", "w") as summary:
        call_command("demo", households=60, days=45, stdout=summary)
    settings.GRIDPAY = replace(gridpay_settings(), demo_payments=True)
    settings.PAYMENT_CHANNELS_CONFIG = {}
    # The code the SMS would carry (the live server runs in another thread of this process).
    monkeypatch.setattr(sign_in, "new_code", lambda: CODE)
    today, now = clock.today(), clock.now()
    household = portal_household()
    assert household is not None
    prepaid = Account.objects.filter(mode="prepaid", time_of_use=False).exclude(id=household.id).order_by(
        "account_no").first()
    time_of_use = Account.objects.filter(mode="prepaid", time_of_use=True).order_by("account_no").first()
    case = ArrearsCase.objects.order_by("-id").first()
    assert household and prepaid and time_of_use and case
    receipt = take_counter_payment(account_no=prepaid.account_no, amount_fen=5_000, receipt_no="R-0001",
                                   cashier="营业员小林", at=now, business_day=today)
    green = Account.objects.filter(mode="prepaid").exclude(id__in=[household.id, prepaid.id]).order_by(
        "-account_no").first()
    assert green
    flag_household(account_no=green.account_no, kind="elderly_alone", reason="独居老人，子女在外地打工",
                   staff=acting_staff("supervisor"), at=now)
    collect_at_home(account_no=green.account_no, amount_fen=6_660, receipt_no="0001",
                    staff=acting_staff("supervisor"), at=now, business_day=today)
    temporary = register_temporary_supply(
        registration=TemporaryRegistration(
            account_no="3901000001", customer_name="码头村委会办公楼施工工地", tariff_code="zj-resident-2024",
            meter_no="T00000001", dlt645_address="900000000001", purpose="construction",
            description="村委会办公楼施工，临时用电三个月", planned_start=today, planned_end=today + timedelta(days=90),
            estimate_kwh=Decimal(3000), meter_model="DDZY-2013",
        ),
        actor="营业员小林（cashier）", roles={Role.CASHIER}, at=now, business_day=today,
    )
    return {
        "portal": household.account_no, "portal_phone": household.customer.phone, "prepaid": prepaid.account_no,
        "time_of_use": time_of_use.account_no, "case": case.account.account_no, "receipt": receipt.receipt_no,
        "temporary": temporary.account_no, "green": green.account_no,
        "village": str(Village.objects.order_by("id").values_list("id", flat=True).first()),
        "month_ago": (today - timedelta(days=30)).isoformat(), "yesterday": (today - timedelta(days=1)).isoformat(),
    }


# What reaches past the screen: the page's own width, and each element outside the `.scroll` containers (the
# containers themselves included), named by tag, id and class, with where it starts and ends; and the page's
# viewport, without which a phone lays it out 980 pixels wide (this desktop Chromium ignores it: it is read instead;
# a part of a page that a page fetches, with no doctype, needs none).
OVERFLOW = """() => {
  const width = window.innerWidth, wide = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.parentElement.closest(".scroll")) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      const classes = typeof element.className === "string" ? element.className.trim().split(/\\s+/) : [];
      const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + classes.filter(Boolean).map(c => "." + c).join("");
      wide.push(`${name} ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  const viewport = document.querySelector('meta[name="viewport"]');
  return {page: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 8),
          viewport: viewport ? viewport.content : document.doctype ? "" : "(a part of a page)"};
}"""


def overflow(page: Any) -> list[str]:
    found = page.evaluate(OVERFLOW)
    wide = list(found["wide"])
    if found["page"] > found["width"]:
        wide.insert(0, f"the page: {found['page']} px")
    if not found["viewport"].startswith("(") and "width=device-width" not in found["viewport"]:
        wide.insert(0, "no <meta name=\"viewport\" content=\"width=device-width\">: a phone draws it 980 px wide")
    return wide


def test_no_page_of_the_console_or_the_portal_is_wider_than_a_phone(
    town: dict[str, str], live_server: Any, browser: Any, tmp_path: Path
) -> None:
    base, problems, seen, blocked = live_server.url, {}, set(), []
    for who in dict.fromkeys(sample.who for sample in SAMPLES.values()):
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        # Chromium reports what the policy refused on the console ("Refused to execute inline script because it
        # violates the following Content Security Policy directive ...").
        page.on("console", lambda message, page=page: blocked.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)
        if who == "portal":  # the code page on the way in is a page of its own
            page.goto(f"{base}/portal/")
            page.fill("#id_account_no", town["portal"])
            page.click("main button[type=submit]")
            page.wait_for_selector("#id_code")
            problems["portal:code"] = overflow(page)
            seen.add("portal:code")
            page.fill("#id_code", CODE)
            page.click("main button[type=submit]")
            page.wait_for_selector("#usage canvas")
        elif who:
            page.goto(f"{base}/login/")
            page.fill("#id_username", who)
            page.fill("#id_password", DEMO_PASSWORD)
            page.press("#id_password", "Enter")
            page.wait_for_selector("header.top")
        for name, sample in SAMPLES.items():
            if sample.who != who or name in seen:
                continue
            seen.add(name)
            url = base + sample.path.format(**town)
            if isinstance(sample, Download):
                answer = page.request.get(url)
                type_ = answer.headers.get("content-type", "")
                problems[name] = [] if answer.ok and type_.startswith(sample.content_type) else [
                    f"{answer.status} {type_}, not {sample.content_type}"]
                continue
            if isinstance(sample, PostOnly):
                status = page.request.get(url).status
                problems[name] = [] if status == 405 else [f"a GET answered {status}"]
                continue
            page.goto(url)
            page.wait_for_load_state("load")
            if page.locator(".chart").count():
                page.wait_for_selector(".chart canvas")
            problems[name] = overflow(page)
            page.screenshot(path=str(tmp_path / f"{name.replace(':', '-')}.png"), full_page=True)
        if who == "portal":  # the pay page answers the account page's form, and the account page follows it
            page.goto(f"{base}/portal/accounts/{town['portal']}/")
            page.fill("#id_pay_amount", "50")
            page.click("button[value=demo]")
            page.wait_for_selector(".demo-pay")
            problems["portal:pay (the demo's pay page)"] = overflow(page)
            page.click(".demo-pay button[type=submit]")
            page.wait_for_selector(".flash")
            problems["portal:account (after paying)"] = overflow(page)
        context.close()
    assert seen == SAMPLES.keys()
    assert not blocked, "blocked by the Content-Security-Policy:\n" + "\n".join(blocked)
    wider = {name: wide for name, wide in problems.items() if wide}
    assert not wider, "wider than a phone:\n" + "\n".join(f"{name}: {', '.join(wide)}" for name, wide in wider.items())
