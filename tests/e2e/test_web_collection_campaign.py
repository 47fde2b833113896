"""The campaign page on a collector's phone and the untouched report, through the Django test client: who may see
what, the "done" button, a follow-up recorded from the list."""

import io
from datetime import UTC, date, datetime

import pytest
from django.test import Client
from pypdf import PdfReader

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.campaign_plan import plan_campaign
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import CampaignRound, FollowUp, Village
from gridpay.domain.staff_roles import Role
from tests.support.arrears import overdue_account

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"
AT = datetime(2025, 2, 5, 2, tzinfo=UTC)
SUPERVISOR = frozenset({Role.SUPERVISOR})


@pytest.fixture
def planned(zj_tariff: str) -> str:
    Village.objects.create(name="东村", town="测试镇", latitude="30.000000", longitude="120.000000")
    account = overdue_account(1, village="东村", address="东村1号")
    set_area_collector(area="东片", collector="王收费", phone="13900000001", valid_from=date(2025, 1, 1),
                       actor="班长", roles=SUPERVISOR, at=AT)
    assign_to_area(area="东片", village="东村", valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR, at=AT)
    plan_campaign(month=date(2025, 2, 1), today=date(2025, 2, 5), actor="班长", roles=SUPERVISOR, at=AT)
    return account.account_no


def signed_in(username: str, role: Role, name: str) -> Client:
    add_staff(username=username, name=name, role=role.value, password=PASSWORD)
    client = Client()
    client.login(username=username, password=PASSWORD)
    return client


def test_the_collector_sees_the_days_villages_with_the_broadcast_and_marks_one_done(planned: str) -> None:
    client = signed_in("wang", Role.GRID_STAFF, "王收费")

    page = client.get("/collection/campaign/?date=2025-02-12").content.decode()

    assert "东村" in page and "东村的乡亲们请注意" in page and "2月18日前" in page
    assert "134.50" not in page.split("跟进清单")[0]  # no amount among the texts to read out
    assert 'name="viewport"' in page
    round_id = CampaignRound.objects.get().id
    done = client.post("/collection/campaign/?date=2025-02-12", {"do": "done", "round_id": round_id, "note": "已喊话"})
    assert done.status_code == 302
    row = CampaignRound.objects.get()
    assert row.done_by == "王收费" and row.note == "已喊话" and row.done_at is not None
    assert "已完成" in client.get("/collection/campaign/?date=2025-02-12").content.decode()
    # another collector's name in the address changes nothing: a grid staff member sees their own rounds
    assert "东村的乡亲们" in client.get("/collection/campaign/?date=2025-02-12&collector=别人").content.decode()


def test_a_follow_up_is_recorded_from_the_list_and_a_bad_one_is_refused_in_words(planned: str) -> None:
    client = signed_in("wang", Role.GRID_STAFF, "王收费")
    page = client.get("/collection/campaign/").content.decode()
    assert planned in page and "134.50" in page  # the follow-up list names what is owed

    refused = client.post("/collection/campaign/", {"do": "follow_up", "account_no": planned, "how": "visit",
                                                   "outcome": "promised"})
    assert refused.status_code == 422 and "承诺交费日期" in refused.content.decode()
    recorded = client.post("/collection/campaign/", {"do": "follow_up", "account_no": planned, "how": "phone",
                                                    "outcome": "promised", "promised_on": "2099-01-01"})
    assert recorded.status_code == 302
    bills = client.get("/collection/campaign/bills.pdf")
    assert bills.status_code == 200 and bills["Content-Type"] == "application/pdf"
    assert planned in "".join(p.extract_text() for p in PdfReader(io.BytesIO(bills.content)).pages)
    csv = client.get("/collection/campaign/follow-up.csv").content.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("序号") and planned in csv[1]
    row = FollowUp.objects.get()
    assert (row.by, row.how, row.promised_on, row.collector.name if row.collector else "") == (
        "王收费", "phone", date(2099, 1, 1), "王收费")


def test_supervisors_see_whose_untouched_accounts_they_are_and_others_may_not(planned: str) -> None:
    supervisor = signed_in("ban", Role.SUPERVISOR, "赵班长")
    page = supervisor.get("/collection/untouched/?month=2025-02").content.decode()
    assert planned in page and "王收费" in page and "东片" in page
    chosen = supervisor.get("/collection/campaign/?collector=王收费&date=2025-02-12").content.decode()
    assert "东村的乡亲们" in chosen and "本月无人联系的欠费户" in chosen

    collector = signed_in("wang", Role.GRID_STAFF, "王收费")
    assert collector.get("/collection/untouched/").status_code == 403
    cashier = signed_in("li", Role.CASHIER, "李营业员")
    assert cashier.get("/collection/campaign/").status_code == 403
    assert cashier.get("/collection/untouched/").status_code == 403
    assert cashier.get("/collection/campaign/bills.pdf").status_code == 403
    assert cashier.post("/collection/campaign/", {"do": "done", "round_id": CampaignRound.objects.get().id}
                        ).status_code == 403
    assert CampaignRound.objects.get().done_at is None
    head = signed_in("head", Role.STATION_HEAD, "所长")
    assert head.get("/collection/campaign/").status_code == 200
    assert Client().get("/collection/campaign/").status_code == 302  # to the login page
