"""The village rollout in the console: the town's schedule imported, agreements recorded, progress and exports."""

import json
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import AuditRecord, SmartPaymentAgreement, Village
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"
SCHEDULE = (
    "month,village,grid_staff,grid_phone,village_assistant,assistant_phone\n"
    "2024-04,铺前村,陈嘉涵,0595-68905492,王村委,13800000001\n"
    "2024-05,诗南村,陈嘉涵,0595-68905492,,\n"
)


def signed_in(role: Role, name: str = "") -> Client:
    add_staff(username=role.value, name=name or f"{role.label}甲", role=role.value, password=PASSWORD)
    client = Client()
    client.login(username=role.value, password=PASSWORD)
    return client


def upload(client: Client, content: str) -> object:
    return client.post("/rollout/", {"town": "测试镇", "schedule": SimpleUploadedFile("s.csv", content.encode())})


def test_the_schedule_is_imported_agreements_recorded_and_progress_exported(zj_tariff: str) -> None:
    grid = signed_in(Role.GRID_STAFF, name="陈嘉涵")
    assert "已导入 2 个村/社区" in upload(grid, SCHEDULE).content.decode()  # type: ignore[attr-defined]
    village = Village.objects.get(name="铺前村")
    assert (village.rollout_month, village.assistant_name, village.grid_staff.name) == (  # type: ignore[union-attr]
        date(2024, 4, 1), "王村委", "陈嘉涵")
    enrol(1, village="铺前村")
    enrol(2, village="铺前村")
    enrol(3, village="诗南村")
    answer = grid.post("/customers/3301000001/agreement",
                       {"signed_on": "2024-04-20", "method": "on_site", "staff_name": "陈嘉涵"})
    assert answer.status_code == 302
    assert SmartPaymentAgreement.objects.get().method == "on_site"
    assert AuditRecord.objects.filter(action="rollout.agreement").count() == 1
    page = grid.get("/rollout/?year=2024").content.decode()
    assert "1 / 3" in page and "王村委" in page and "【电力智能交费开通通知】铺前村的乡亲们：2024年4月起" in page
    assert "现场集中签订" in grid.get("/customers/3301000001/").content.decode()
    exported = grid.get("/rollout/?year=2024&export=csv").content.decode("utf-8-sig").splitlines()
    assert exported[0].startswith("村/社区,推广月份")
    assert exported[1].startswith("铺前村,2024-04,陈嘉涵,王村委,2,1,50.0%")
    assert exported[-1].startswith("2024年底目标,,,,,3,100%")


def test_bad_schedules_and_agreements_are_explained_and_change_nothing(zj_tariff: str, clock: FakeClock) -> None:
    grid = signed_in(Role.GRID_STAFF)
    bad = upload(grid, SCHEDULE.replace("2024-05", "五月"))
    assert bad.status_code == 422 and "第 3 行" in bad.content.decode()  # type: ignore[attr-defined]
    assert not Village.objects.exists()
    enrol(1)
    tomorrow = clock.today().toordinal() + 1
    answer = grid.post("/customers/3301000001/agreement", {
        "signed_on": date.fromordinal(tomorrow).isoformat(), "method": "on_site", "staff_name": "陈"})
    assert answer.status_code == 422 and "不能晚于今天" in answer.content.decode()
    assert grid.post("/customers/3301000001/agreement", {"signed_on": "昨天", "method": "on_site",
                                                         "staff_name": "陈"}).status_code == 422
    assert not SmartPaymentAgreement.objects.exists()
    cashier = signed_in(Role.CASHIER)
    assert cashier.get("/rollout/").status_code == 200  # everyone sees progress
    assert upload(cashier, SCHEDULE).status_code == 403  # type: ignore[attr-defined]
    assert cashier.post("/customers/3301000001/agreement", {"signed_on": "2024-04-20", "method": "on_site",
                                                            "staff_name": "x"}).status_code == 403


def test_a_village_plan_is_edited_and_its_promotion_events_recorded(zj_tariff: str) -> None:
    from gridpay.data.models import PromotionEvent

    grid = signed_in(Role.GRID_STAFF, name="陈嘉涵")
    upload(grid, SCHEDULE)
    village = Village.objects.get(name="诗南村")
    page = f"/rollout/villages/{village.id}/"
    assert f'href="{page}"' in grid.get("/rollout/").content.decode()
    answer = grid.post(page, {"form": "plan", "rollout_month": "2024-06", "grid_staff": "陈嘉涵",
                              "grid_phone": "0595-68905492", "assistant": "李村委", "assistant_phone": "13800000002"})
    assert answer.status_code == 302
    village.refresh_from_db()
    assert (village.rollout_month, village.assistant_name) == (date(2024, 6, 1), "李村委")
    grid.post(page, {"form": "event", "day": "2024-06-08", "kind": "现场集中签约", "attendees": "42", "note": "村委会"})
    assert PromotionEvent.objects.get().attendees == 42
    assert "现场集中签约" in grid.get(page).content.decode()
    bad = grid.post(page, {"form": "event", "day": "2024-06-08", "kind": "", "attendees": "x"})
    assert bad.status_code == 422
    assert AuditRecord.objects.filter(action__in=["rollout.village", "rollout.event"]).count() >= 2
    assert grid.get("/rollout/villages/99999/").status_code == 404


def test_the_page_opens_on_the_year_that_holds_the_plan_and_offers_its_years(zj_tariff: str, clock: FakeClock
                                                                             ) -> None:
    head = signed_in(Role.STATION_HEAD)
    upload(head, SCHEDULE + "2025-02,仙都村,周木顺,0595-85324319,,\n")
    enrol(1, village="铺前村")
    head.post("/customers/3301000001/agreement", {"signed_on": "2024-04-20", "method": "on_site", "staff_name": "陈"})
    page = head.get("/rollout/").content.decode()
    assert "智能交费推广进度 · 2025年" in page  # the plan's last year, not the calendar's
    assert '<option value="2024">2024年</option>' in page and '<option value="2025" selected>2025年</option>' in page
    earlier = head.get("/rollout/?year=2024").content.decode()
    assert "智能交费推广进度 · 2024年" in earlier and '<option value="2024" selected>' in earlier
    assert "智能交费推广进度 · 2025年" in head.get("/rollout/?year=abc").content.decode()
    assert "智能交费推广进度 · 2025年" in head.get("/rollout/?year=99999").content.decode()
    this_year = clock.today().year
    upload(head, SCHEDULE.splitlines()[0] + f"\n{this_year}-01,丰联村,林启明,0595-68905497,,\n")
    page = head.get("/rollout/").content.decode()
    assert f"智能交费推广进度 · {this_year}年" in page and f'<option value="{this_year}" selected>' in page


def test_a_years_target_leaves_out_later_years_villages_and_months_to_come_have_no_agreement_bar(
        zj_tariff: str, clock: FakeClock) -> None:
    clock.instant = datetime(2026, 6, 15, 9, tzinfo=UTC)
    head = signed_in(Role.STATION_HEAD)
    upload(head, SCHEDULE.splitlines()[0] + "\n2026-04,铺前村,陈嘉涵,0595-68905492,,\n2027-03,诗南村,陈嘉涵,,,\n")
    for number, village in ((1, "铺前村"), (2, "铺前村"), (3, "诗南村"), (4, "诗南村"), (5, "诗南村")):
        enrol(number, village=village)
    head.post("/customers/3301000001/agreement", {"signed_on": "2026-04-20", "method": "on_site", "staff_name": "陈"})

    this_year = head.get("/rollout/?year=2026").content.decode()
    assert "1 / 5" in this_year
    assert "年底目标（100%）</div><div class=\"value\">2 户" in this_year  # 铺前村's; 诗南村 is 2027's
    assert "还差</div><div class=\"value\">1 户" in this_year and "不含以后年份计划开通的 3 户" in this_year
    chart = json.loads(this_year.split('<script id="progress-data" type="application/json">')[1].split("</script>")[0])
    assert chart["signed"] == [0, 0, 0, 1, 1, 1] + [None] * 6  # July to December have not come
    assert chart["target"] == [2] * 12

    next_year = head.get("/rollout/?year=2027").content.decode()
    assert "年底目标（100%）</div><div class=\"value\">5 户" in next_year and "不含以后年份" not in next_year
    chart = json.loads(next_year.split('<script id="progress-data" type="application/json">')[1].split("</script>")[0])
    assert chart["signed"] == [None] * 12 and chart["planned"] == [2, 2, 5] + [5] * 9
    exported = head.get("/rollout/?year=2026&export=csv").content.decode("utf-8-sig").splitlines()
    assert exported[-1].startswith("2026年底目标,,,,,2,100%")
