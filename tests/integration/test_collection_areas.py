"""Collection areas on a real database: collectors named and replaced with history, every arrears account answered."""

from datetime import UTC, date, datetime

import pytest

from gridpay.application.collection.arrears_assignments import arrears_assignments
from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.list_areas import list_areas
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.errors import NotAllowed, NotFound
from gridpay.data.models import Account, AreaCollector, AuditRecord, GridStaff, Village
from gridpay.domain.collection_areas import AssignmentDateRefused
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.arrears import overdue_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]
AT = datetime(2025, 3, 1, 2, tzinfo=UTC)
SUPERVISOR = frozenset({Role.SUPERVISOR})


@pytest.fixture(autouse=True)
def villages() -> None:
    for name in ("东村", "西村", "南村"):
        Village.objects.create(name=name, town="测试镇")


def _arrange(area: str, collector: str, since: date, phone: str = "13800000001") -> None:
    set_area_collector(area=area, collector=collector, phone=phone, valid_from=since, actor="班长", roles=SUPERVISOR,
                       at=AT)


def test_a_reassignment_ends_the_old_collectors_period_and_keeps_it() -> None:
    _arrange("东片", "王收费", date(2025, 1, 1))
    _arrange("东片", "李收费", date(2025, 3, 1), phone="13800000002")
    periods = list(AreaCollector.objects.order_by("valid_from").values_list("collector__name", "valid_from",
                                                                             "valid_to"))
    assert periods == [("王收费", date(2025, 1, 1), date(2025, 3, 1)), ("李收费", date(2025, 3, 1), None)]
    before, after = list_areas(day=date(2025, 2, 28)), list_areas(day=date(2025, 3, 1))
    assert before.areas[0].collector == "王收费" and after.areas[0].collector == "李收费"
    assert len(after.areas[0].history) == 2
    assert AuditRecord.objects.filter(action="collection.area_collector").count() == 2
    with pytest.raises(AssignmentDateRefused):
        _arrange("东片", "王收费", date(2025, 2, 1))  # before the current period began


def test_every_account_in_arrears_has_exactly_one_collector_on_the_day() -> None:
    village_staff = GridStaff.objects.create(name="张网格", phone="13900000000")
    east = overdue_account(1, village="东村")
    split = overdue_account(2, village="东村")
    west = overdue_account(3, village="西村")
    prepaid = enrol(4, village="南村", opening_balance_fen=-500)
    Account.objects.filter(id=prepaid.id).update(arrears_since=datetime(2025, 2, 20, tzinfo=UTC))
    Account.objects.filter(id=split.id).update(transformer_area="东村2号台区")
    Village.objects.filter(name="西村").update(grid_staff=village_staff)
    _arrange("东片", "王收费", date(2025, 1, 1))
    _arrange("北片", "李收费", date(2025, 1, 1), phone="13800000002")
    assign_to_area(area="东片", village="东村", valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR, at=AT)
    assign_to_area(area="北片", village="东村", transformer_area="东村2号台区", valid_from=date(2025, 1, 1),
                   actor="班长", roles=SUPERVISOR, at=AT)

    who = {line.account.account_no: (line.collector, line.area) for line in arrears_assignments(day=date(2025, 3, 1))}

    assert who == {
        east.account_no: ("王收费", "东片"),
        split.account_no: ("李收费", "北片"),  # its transformer area's own area
        west.account_no: ("张网格", ""),  # in no area: its village's grid staff member
        prepaid.account_no: ("", ""),  # nobody: the report names it
    }
    lines = {line.account.account_no: line for line in arrears_assignments(day=date(2025, 3, 1))}
    assert lines[prepaid.account_no].collector_id is None
    assert lines[prepaid.account_no].account.owed_fen == 500
    assert lines[east.account_no].account.since == date(2025, 2, 9)  # the overdue bill's due date
    assert [line.account.account_no for line in arrears_assignments(day=date(2025, 3, 1), collector="李收费")] == [
        split.account_no]
    with pytest.raises(NotFound):
        arrears_assignments(day=date(2025, 3, 1), collector="李收費")  # a typo is refused, not an empty list
    overview = list_areas(day=date(2025, 3, 1))
    assert {area.name: area.accounts for area in overview.areas} == {"东片": 1, "北片": 1}
    assert overview.accounts_outside == 2


def test_only_supervisors_and_the_station_head_draw_areas() -> None:
    enrol(1, village="东村")
    with pytest.raises(NotAllowed):
        set_area_collector(area="东片", collector="王收费", phone="13800000001", valid_from=date(2025, 1, 1),
                           actor="cashier", roles=frozenset({Role.CASHIER}), at=AT)
    _arrange("东片", "王收费", date(2025, 1, 1))
    with pytest.raises(NotAllowed):
        assign_to_area(area="东片", village="东村", valid_from=date(2025, 1, 1), actor="网格员",
                       roles=frozenset({Role.GRID_STAFF}), at=AT)
    with pytest.raises(NotFound):
        assign_to_area(area="西片", village="东村", valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR,
                       at=AT)
    with pytest.raises(NotFound):
        set_area_collector(area="东片", collector="没有这人", valid_from=date(2025, 1, 1), actor="班长",
                           roles=SUPERVISOR, at=AT)
