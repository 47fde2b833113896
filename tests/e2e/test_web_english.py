"""After the English switch no page says anything in Chinese but what is data: names, addresses, the SMS texts
sent, the WeChat group messages (marked lang="zh-CN"). A small demo town fills every list."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from gridpay.application.collection.campaign_plan import plan_campaign
from gridpay.application.staff.add_staff import add_staff
from gridpay.application.supply.update_supply_policy import update_supply_policy
from gridpay.data.models import Account, CampaignRound, Notification, Village
from gridpay.demo.build_demo_town import build_demo_town, plan_demo
from gridpay.demo.simulate_days import simulate_days
from gridpay.demo.town_loop import TownLoop
from gridpay.domain.staff_roles import Role
from tests.support.clock import FakeClock

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"
HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")
MARKED_CHINESE = re.compile(r'<(\w+)[^>]*\blang="zh-CN"[^>]*>.*?</\1>', re.S)
SHOWN_ATTRIBUTES = re.compile(r'\b(?:placeholder|aria-label|title|alt)="([^"]*)"')


@pytest.fixture
def town(settings: Any, tmp_path: Any, clock: FakeClock) -> None:
    settings.SMS_CONFIG = {"GRIDPAY_SMS_PROVIDER": "file", "GRIDPAY_SMS_FILE": str(tmp_path / "sms.jsonl")}
    today = clock.today()
    # Disconnections on any day and at once: whatever weekday or holiday the clock is pinned to, the households in
    # arrears when the town's days are done are cut off by this morning's run.
    update_supply_policy(changes={"window_working_days_only": False, "window_closed_on_holidays_and_eves": False,
                                  "disconnect_delay_days": 0, "disconnect_delay_minutes": 0}, at=clock.now())
    # Enough households that, with the not-yet-converted villages postpaid, some prepaid one is in arrears on every
    # pinned date (80 left none on the Saturday).
    plan = plan_demo(households=160, days=14, seed=14, start=today - timedelta(days=15), today=today)
    town = build_demo_town(plan=plan, now=clock.now())
    simulate_days(town=town, now=clock.now())
    TownLoop.for_households(town.households).morning(day=today, now=clock.now())


def data_texts() -> list[str]:
    """Every text the database holds (names, addresses, reasons, SMS bodies …), longest first."""
    found: set[str] = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        for row in model.objects.values_list(*fields) if fields else []:
            found.update(value for value in row if value and HAN.search(value))
    return sorted(found, key=len, reverse=True)


def chinese_left(html: str, data: list[str]) -> list[str]:
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    html = MARKED_CHINESE.sub("", html)
    shown = " ".join([re.sub(r"<[^>]+>", " ", html), *SHOWN_ATTRIBUTES.findall(html)])
    for text in data:
        shown = shown.replace(text, " ")
    return sorted(set(HAN.findall(shown)))


def in_english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_every_console_page_speaks_english_after_the_switch(town: None, clock: FakeClock) -> None:
    add_staff(username="head", name="所长甲", role=Role.ADMIN.value, password=PASSWORD)
    client = Client()
    client.login(username="head", password=PASSWORD)
    in_english(client)
    disconnected = Account.objects.filter(supply_state="disconnected").first()
    assert disconnected is not None, "the demo town should have cut someone off"
    time_of_use = Account.objects.filter(meters__registers="tou", meters__removed_on__isnull=True).first()
    assert time_of_use is not None, "the demo town should have time-of-use meters"
    accounts = [disconnected.account_no, time_of_use.account_no,
                *Account.objects.order_by("id").values_list("account_no", flat=True)[:3]]
    pages = {
        "/": 200, "/customers/": 200, "/customers/?q=zzz": 200, "/arrears/": 200, "/calls/": 200, "/queues/": 200,
        "/rollout/": 200, f"/rollout/villages/{Village.objects.order_by('id').first().id}/": 200,  # type: ignore[union-attr]
        "/reports/monthly/": 200, "/reports/monthly/?month=2024-13": 400, "/customers/0000/": 404,
        **{f"/customers/{n}/": 200 for n in accounts},
        "/collection/untouched/": 200, **_campaign_pages(clock),
    }
    data = data_texts()
    left = {}
    for path, status in pages.items():
        answer = client.get(path)
        assert answer.status_code == status, path
        left[path] = chinese_left(answer.content.decode(), data)
    bad_payment = client.post(f"/customers/{accounts[0]}/pay", {"amount_yuan": "abc", "receipt_no": "GT1"})
    left["bad payment"] = chinese_left(bad_payment.content.decode(), data)
    bad_meter = client.post(f"/customers/{accounts[0]}/meter", {"day": str(clock.today()), "final_total_kwh": "1",
                                                                "new_meter_no": "N1", "new_dlt645_address": "12ab",
                                                                "start_total_kwh": "0"})
    assert "12 digits" in bad_meter.content.decode()
    left["bad meter"] = chinese_left(bad_meter.content.decode(), data)
    assert {path: texts for path, texts in left.items() if texts} == {}
    assert "Disconnected" in client.get(f"/customers/{accounts[0]}/").content.decode()
    tou_page = client.get(f"/customers/{time_of_use.account_no}/").content.decode()
    assert "Old meter's final Peak reading" in tou_page and '"name": "Valley"' in tou_page


def _campaign_pages(clock: FakeClock) -> dict[str, int]:
    """Next month's campaign planned, and its first day's page (the broadcast is data: marked Chinese)."""
    today = clock.today()
    plan_campaign(month=(today.replace(day=28) + timedelta(days=4)).replace(day=1), today=today, actor="所长甲",
                  roles={Role.ADMIN}, at=clock.now())
    first = CampaignRound.objects.select_related("collector").order_by("day", "id").first()
    assert first is not None, "the demo town should have villages to campaign in"
    return {f"/collection/campaign/?collector={first.collector.name}&date={first.day}": 200}


def test_the_portal_speaks_english_after_the_switch(town: None) -> None:
    account = Account.objects.filter(supply_state="disconnected").first() or Account.objects.first()
    assert account is not None
    client = in_english(Client())
    data = data_texts()
    left = {"sign-in": chinese_left(client.get("/portal/").content.decode(), data)}
    unknown = client.post("/portal/", {"account_no": "0000"})
    assert unknown.status_code == 422 and "No account 0000" in unknown.content.decode()
    client.post("/portal/", {"account_no": account.account_no})
    left["code"] = chinese_left(client.get("/portal/code/").content.decode(), data)
    wrong = client.post("/portal/code/", {"code": "000000"})
    assert wrong.status_code == 422 and "tries left" in wrong.content.decode()
    code = Notification.objects.filter(kind="sign_in_code").latest("id").params["code"]
    assert client.post("/portal/code/", {"code": code}).status_code == 302
    data = data_texts()
    for path in ["/portal/accounts/", f"/portal/accounts/{account.account_no}/",
                 f"/portal/accounts/{account.account_no}/alerts/", "/portal/accounts/0000/"]:
        left[path] = chinese_left(client.get(path).content.decode(), data)
    last = client.post(f"/portal/accounts/{account.account_no}/alerts/", {"name": "", "phone": "123", "role": "tenant"})
    assert last.status_code == 422 and "11-digit" in last.content.decode()
    assert {path: texts for path, texts in left.items() if texts} == {}
