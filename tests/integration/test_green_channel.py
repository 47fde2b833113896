"""The green channel on a real database: flags with their history, home collections credited exactly once through
record_payment, the collectors' cash counted in at the counter, and the discrepancy list by the business calendar."""

import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.errors import UnknownAccount
from gridpay.application.green_channel.collect_at_home import Photo, collect_at_home
from gridpay.application.green_channel.flag_household import (
    GreenChannelNotAllowed,
    flag_household,
    unflag_household,
)
from gridpay.application.green_channel.green_lists import (
    collectors_cash,
    discrepancies,
    flagged_households,
    hardship_history,
)
from gridpay.application.green_channel.hand_in_cash import HandInConflict, hand_in_cash
from gridpay.application.staff.acting_staff import ActingStaff, acting_staff
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import (
    Account,
    AuditRecord,
    CalendarDay,
    CalendarYear,
    CashHandIn,
    HardshipFlag,
    HomeCollection,
    LedgerAccount,
    Meter,
    MeterCommand,
    Payment,
    PostpaidBill,
)
from gridpay.data.settings import gridpay_settings
from gridpay.domain.calendar import DayKind
from gridpay.domain.green_channel import GreenChannelRefused, NotFlagged
from gridpay.domain.payments import PaymentConflict
from tests.support.accounts import enrol
from tests.support.arrears import BILLED, overdue_account
from tests.support.clock import local

pytestmark = pytest.mark.django_db
T = TypeVar("T")
PASSWORD = "Gridpay-2026!"
FRIDAY = date(2026, 3, 6)
MONDAY = date(2026, 3, 9)
TUESDAY = date(2026, 3, 10)
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def staff(username: str, role: str, name: str = "") -> ActingStaff:
    add_staff(username=username, name=name or username, role=role, password=PASSWORD)
    return acting_staff(username)


@pytest.fixture
def people(zj_tariff: str) -> dict[str, ActingStaff]:
    return {
        "head": staff("wang", "station_head", "王所长"),
        "supervisor": staff("lin", "supervisor", "林班长"),
        "collector": staff("chen", "grid_staff", "陈嘉涵"),
        "collector2": staff("zhou", "grid_staff", "周收费"),
        "cashier": staff("zhang", "cashier", "张敏"),
    }


@pytest.fixture
def photo_dir(tmp_path: Path, settings: Any) -> Path:
    from dataclasses import replace

    settings.GRIDPAY = replace(gridpay_settings(), green_photo_dir=str(tmp_path / "photos"), green_photo_max_kb=16)
    return tmp_path / "photos"


def flagged(number: int, people: dict[str, ActingStaff], **enrolment: Any) -> Account:
    account = enrol(number, **enrolment)
    flag_household(account_no=account.account_no, kind="elderly_alone", reason="独居，子女在外地",
                   staff=people["supervisor"], at=local(FRIDAY, 9))
    return account


def balance(account: Account) -> int:
    from gridpay.application.customers.show_account import show_account

    return show_account(account_no=account.account_no).balance_fen


def collect(people: dict[str, ActingStaff], account: Account, fen: int, receipt: str, *, day: date = FRIDAY,
            who: str = "collector", photo: Photo | None = None) -> Any:
    return collect_at_home(account_no=account.account_no, amount_fen=fen, receipt_no=receipt, staff=people[who],
                           at=local(day, 15), business_day=day, photo=photo)


def test_a_flag_is_approved_by_a_supervisor_or_the_head_and_unflagging_keeps_its_history(
    people: dict[str, ActingStaff],
) -> None:
    account = enrol(1)
    for who in ("collector", "cashier"):
        with pytest.raises(GreenChannelNotAllowed):
            flag_household(account_no=account.account_no, kind="disabled", reason="", staff=people[who],
                           at=local(FRIDAY, 9))
    first = flag_household(account_no=account.account_no, kind="disabled", reason="肢体二级",
                           staff=people["head"], at=local(FRIDAY, 9))
    assert (first.kind_label, first.approved_by) == ("残疾", "王所长（wang）")
    again = flag_household(account_no=account.account_no, kind="disabled", reason="肢体二级", staff=people["head"],
                           at=local(FRIDAY, 10))
    assert again.replayed and HardshipFlag.objects.count() == 1
    with pytest.raises(GreenChannelRefused, match="已在绿色通道"):
        flag_household(account_no=account.account_no, kind="low_income", reason="", staff=people["head"],
                       at=local(FRIDAY, 10))
    with pytest.raises(GreenChannelRefused, match="必须写明原因"):
        unflag_household(account_no=account.account_no, reason="", staff=people["supervisor"], at=local(MONDAY, 9))

    unflag_household(account_no=account.account_no, reason="已迁出", staff=people["supervisor"], at=local(MONDAY, 9))
    flag_household(account_no=account.account_no, kind="low_income", reason="低保证 123", staff=people["supervisor"],
                   at=local(TUESDAY, 9))

    history = hardship_history(account_no=account.account_no)
    assert [(h.kind, h.unflagged_at is None) for h in history] == [("low_income", True), ("disabled", False)]
    assert history[1].unflag_reason == "已迁出" and history[1].unflagged_by == "林班长（lin）"
    assert [f.kind for f in flagged_households()] == ["low_income"]
    assert len(flagged_households(with_ended=True)) == 2
    assert list(AuditRecord.objects.filter(action__startswith="green.").order_by("id")
                .values_list("action", flat=True)) == ["green.flag", "green.unflag", "green.flag"]
    with pytest.raises(UnknownAccount):
        flag_household(account_no="999", kind="disabled", reason="", staff=people["head"], at=local(FRIDAY, 9))


def test_a_home_collection_credits_at_once_and_a_replay_credits_nothing(people: dict[str, ActingStaff]) -> None:
    account = flagged(1, people, opening_balance_fen=1_000)

    first = collect(people, account, 12_345, "0001")
    again = collect(people, account, 12_345, " 0001 ")

    assert not first.replayed and again.replayed and again.payment_id == first.payment_id
    assert balance(account) == 13_345
    payment = Payment.objects.get()
    assert (payment.channel, payment.channel_txn_id, payment.amount_fen) == ("home_collection", "chen/0001", 12_345)
    collection = HomeCollection.objects.get()
    assert (collection.collector, collection.receipt_no, collection.hand_in_id) == ("chen", "0001", None)
    assert AuditRecord.objects.filter(action="green.collect").count() == 1
    # Another collector's receipt book has its own No. 0001.
    collect(people, account, 500, "0001", who="collector2")
    assert balance(account) == 13_845


def test_the_same_receipt_with_another_amount_is_a_conflict_and_writes_nothing(
    people: dict[str, ActingStaff],
) -> None:
    account = flagged(1, people, opening_balance_fen=0)
    other = flagged(2, people, opening_balance_fen=0)
    collect(people, account, 10_000, "0007")
    with pytest.raises(PaymentConflict):
        collect(people, account, 10_001, "0007")
    with pytest.raises(PaymentConflict):
        collect(people, other, 10_000, "0007")
    assert Payment.objects.count() == 1 and HomeCollection.objects.count() == 1
    assert balance(account) == 10_000 and balance(other) == 0


def test_a_household_not_in_the_green_channel_is_refused_in_chinese(people: dict[str, ActingStaff]) -> None:
    plain = enrol(1, opening_balance_fen=0)
    ended = flagged(2, people, opening_balance_fen=0)
    unflag_household(account_no=ended.account_no, reason="家属已回乡照顾", staff=people["head"], at=local(FRIDAY, 10))
    for account in (plain, ended):
        with pytest.raises(NotFlagged, match="不在绿色通道，不能上门收费") as refused:
            collect(people, account, 5_000, f"R{account.id}")
        assert refused.value.field == "account_no"
    with pytest.raises(UnknownAccount):
        collect_at_home(account_no="3301099999", amount_fen=100, receipt_no="X1", staff=people["collector"],
                        at=local(FRIDAY, 15), business_day=FRIDAY)
    for who in ("cashier", "head"):
        with pytest.raises(GreenChannelNotAllowed):
            collect(people, plain, 5_000, "R9", who=who)
    assert not Payment.objects.exists() and not HomeCollection.objects.exists()


def test_the_collection_pays_the_households_open_bill_as_any_payment_does(people: dict[str, ActingStaff]) -> None:
    account = overdue_account()
    flag_household(account_no=account.account_no, kind="low_income", reason="特困供养", staff=people["head"],
                   at=local(date(2025, 2, 12), 9))
    # Three days late: the bill and its late fee, charged as the 1-yuan minimum when the payment arrives.
    collect_at_home(account_no=account.account_no, amount_fen=BILLED + 100, receipt_no="0100",
                    staff=people["collector"], at=local(date(2025, 2, 12), 15), business_day=date(2025, 2, 12))
    bill = PostpaidBill.objects.get(account=account)
    assert (bill.principal_paid_fen, bill.late_fee_paid_fen, bill.paid_off_on) == (BILLED, 100, date(2025, 2, 12))


def test_paying_a_disconnected_household_at_the_door_queues_its_reconnect_once(
    people: dict[str, ActingStaff],
) -> None:
    account = flagged(1, people, opening_balance_fen=0)
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-1_250)
    Account.objects.filter(id=account.id).update(supply_state="disconnected", arrears_since=local(FRIDAY, 0))
    Meter.objects.filter(account=account).update(relay_open_reported=True, relay_open_desired=True)
    collect(people, account, 5_000, "0001")
    collect(people, account, 5_000, "0001")  # a replay credits nothing and queues nothing
    assert list(MeterCommand.objects.filter(account=account).values_list("action", "status")) == [
        ("reconnect", "queued")
    ]
    assert Account.objects.get(id=account.id).arrears_since is None


def test_a_photo_is_kept_under_the_configured_directory_and_a_bad_one_writes_nothing(
    people: dict[str, ActingStaff], photo_dir: Path,
) -> None:
    account = flagged(1, people, opening_balance_fen=0)
    done = collect(people, account, 2_000, "0001", photo=Photo(data=JPEG, content_type="image/jpeg"))
    assert done.photo.endswith(".jpg") and (photo_dir / done.photo).read_bytes() == JPEG
    for bad in (Photo(data=b"<script>alert(1)</script>", content_type="image/jpeg"),
                Photo(data=JPEG * 20, content_type="image/jpeg")):  # over the 16 KB limit
        with pytest.raises(GreenChannelRefused) as refused:
            collect(people, account, 3_000, "0002", photo=bad)
        assert refused.value.field == "photo"
    plain = enrol(2, opening_balance_fen=0)
    other_photo = Photo(data=JPEG + b"another", content_type="image/jpeg")
    with pytest.raises(NotFlagged):
        collect(people, plain, 3_000, "0003", photo=other_photo)
    with pytest.raises(PaymentConflict):
        collect(people, account, 2_001, "0001", photo=other_photo)
    assert HomeCollection.objects.count() == 1 and balance(account) == 2_000
    assert [p.name for p in photo_dir.rglob("*") if p.is_file()] == [Path(done.photo).name]  # nothing else kept


def test_the_counter_counts_a_collectors_cash_in_against_their_collections(people: dict[str, ActingStaff]) -> None:
    account = flagged(1, people, opening_balance_fen=0)
    collect(people, account, 10_000, "0001", day=FRIDAY)
    collect(people, account, 2_550, "0002", day=MONDAY)
    collect(people, account, 700, "0003", day=TUESDAY)
    collect(people, account, 900, "0001", day=MONDAY, who="collector2")

    with pytest.raises(GreenChannelNotAllowed):
        hand_in_cash(collector="chen", amount_fen=12_550, slip_no="JK1", staff=people["collector2"],
                     at=local(MONDAY, 17), business_day=MONDAY)
    with pytest.raises(GreenChannelRefused, match="没有待缴存"):
        hand_in_cash(collector="nobody", amount_fen=1, slip_no="JK1", staff=people["cashier"], at=local(MONDAY, 17),
                     business_day=MONDAY)
    done = hand_in_cash(collector="chen", amount_fen=12_500, slip_no="JK1", staff=people["cashier"],
                        at=local(MONDAY, 17), business_day=MONDAY)
    assert done.receipt_nos == ("0001", "0002") and (done.expected_fen, done.difference_fen) == (12_550, -50)
    again = hand_in_cash(collector="chen", amount_fen=12_500, slip_no="JK1", staff=people["cashier"],
                         at=local(MONDAY, 17, 1), business_day=MONDAY)
    assert again.replayed and CashHandIn.objects.count() == 1
    with pytest.raises(HandInConflict):
        hand_in_cash(collector="chen", amount_fen=12_550, slip_no="JK1", staff=people["cashier"],
                     at=local(MONDAY, 17, 2), business_day=MONDAY)
    audit = AuditRecord.objects.get(action="green.hand_in")
    assert audit.new["difference_fen"] == -50 and audit.actor == "张敏（zhang）" and "0001" in audit.note

    cash = {c.collector: c for c in collectors_cash()}
    assert (cash["chen"].collected_fen, cash["chen"].settled_fen, cash["chen"].outstanding_fen) == (13_250, 12_550, 700)
    assert cash["chen"].handed_in_fen == 12_500 and cash["zhou"].outstanding_fen == 900
    # A supervisor who collected is counted in by someone else, never by themselves.
    supervisor_account = flagged(2, people, opening_balance_fen=0)
    collect(people, supervisor_account, 100, "B1", who="supervisor", day=TUESDAY)
    with pytest.raises(GreenChannelNotAllowed):
        hand_in_cash(collector="lin", amount_fen=100, slip_no="JK2", staff=people["supervisor"],
                     at=local(TUESDAY, 17), business_day=TUESDAY)


def test_the_discrepancy_list_follows_the_business_calendar(people: dict[str, ActingStaff]) -> None:
    # Monday 9 March made a holiday: Friday's cash is due by the end of Tuesday.
    CalendarYear.objects.update_or_create(year=2026, defaults={"source": "staff", "recorded_at": local(FRIDAY, 8)})
    CalendarDay.objects.update_or_create(day=MONDAY, defaults={"kind": DayKind.HOLIDAY.value})
    account = flagged(1, people, opening_balance_fen=0)
    collect(people, account, 10_000, "0001", day=FRIDAY)
    collect(people, account, 3_000, "0001", day=FRIDAY, who="collector2")

    assert discrepancies(today=TUESDAY).late == []
    hand_in_cash(collector="zhou", amount_fen=3_000, slip_no="JK-Z", staff=people["cashier"], at=local(TUESDAY, 16),
                 business_day=TUESDAY)
    wednesday = TUESDAY + timedelta(days=1)
    late = discrepancies(today=wednesday).late
    assert [(x.collector, x.settle_by, x.settled_on) for x in late] == [("chen", TUESDAY, None)]
    hand_in_cash(collector="chen", amount_fen=10_100, slip_no="JK-C", staff=people["cashier"],
                 at=local(wednesday, 9), business_day=wednesday)
    found = discrepancies(today=wednesday)
    assert [(x.collector, x.settled_on) for x in found.late] == [("chen", wednesday)]  # counted in, but late
    assert [(h.slip_no, h.difference_fen) for h in found.differing] == [("JK-C", 100)]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_replays_credit_nothing_and_settled_plus_outstanding_is_collected(
    people: dict[str, ActingStaff], data: st.DataObject,
) -> None:
    receipts = data.draw(st.dictionaries(st.sampled_from(["R1", "R2", "R3", "R4", "R5"]),
                                         st.integers(min_value=1, max_value=5_000_000), min_size=1), "receipts")
    sequence = data.draw(st.lists(st.sampled_from(sorted(receipts)), min_size=1, max_size=10), "sequence")
    hand_in_after = data.draw(st.sets(st.integers(min_value=0, max_value=9)), "hand_in_after")
    with transaction.atomic():
        account = flagged(1, people, opening_balance_fen=0)
        collected_fen = 0
        for i, receipt in enumerate(sequence):
            result = collect(people, account, receipts[receipt], receipt)
            assert result.replayed == (receipt in sequence[:i])
            if not result.replayed:
                collected_fen += receipts[receipt]
            if i in hand_in_after and HomeCollection.objects.filter(hand_in__isnull=True).exists():
                hand_in_cash(collector="chen", amount_fen=1, slip_no=f"JK{i}", staff=people["cashier"],
                             at=local(FRIDAY, 16), business_day=FRIDAY)
            (cash,) = collectors_cash()
            assert cash.settled_fen + cash.outstanding_fen == cash.collected_fen == collected_fen
        assert balance(account) == sum(receipts[r] for r in set(sequence))
        assert Payment.objects.count() == len(set(sequence))
        transaction.set_rollback(True)


def concurrently(calls: list[Callable[[], T]]) -> tuple[list[T], list[BaseException]]:
    """Runs the calls in threads released together, each on its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[T] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    started = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_presses_credit_once_and_concurrent_hand_ins_settle_each_collection_once(zj_tariff: str) -> None:
    people = {"supervisor": staff("lin", "supervisor"), "collector": staff("chen", "grid_staff"),
              "cashier": staff("zhang", "cashier"), "head": staff("wang", "station_head")}
    account = flagged(1, people, opening_balance_fen=0)
    for n in range(4):
        results, errors = concurrently([lambda n=n: collect(people, account, 1_000, f"R{n}")] * 4)
        assert errors == []
        assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert Payment.objects.count() == HomeCollection.objects.count() == 4 and balance(account) == 4_000

    results, errors = concurrently([
        lambda: hand_in_cash(collector="chen", amount_fen=4_000, slip_no="JK-A", staff=people["cashier"],
                             at=local(FRIDAY, 17), business_day=FRIDAY),
        lambda: hand_in_cash(collector="chen", amount_fen=4_000, slip_no="JK-B", staff=people["head"],
                             at=local(FRIDAY, 17), business_day=FRIDAY),
    ])
    assert len(results) == 1 and [type(e) for e in errors] == [GreenChannelRefused]  # nothing left to count in
    assert CashHandIn.objects.get().expected_fen == 4_000
    assert not HomeCollection.objects.filter(hand_in__isnull=True).exists()
