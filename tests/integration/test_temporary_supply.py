"""Temporary supply (临时用电) on a real database: registered not connected, connected by the payment that completes
the prepaid estimate (never before), settled daily, ended with the final reading and settlement, the rest refunded at
the counter or left owed, the account closed and disconnected."""

import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from pypdf import PdfReader

from gridpay.application.customers.install_builtin_meter_models import install_builtin_meter_models
from gridpay.application.customers.reconnect_now import reconnect_now
from gridpay.application.errors import AccountClosed, InvalidInput, NotFound
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.settle_account import SettlementIncomplete
from gridpay.application.settlement.settle_day import settle_day
from gridpay.application.tariffs.quote_tariff import quote_tariff
from gridpay.application.temporary.access import NotAllowed
from gridpay.application.temporary.complete_field_work import complete_field_work
from gridpay.application.temporary.connect_temporary_supply import CONNECT_REASON, connect_temporary_supply
from gridpay.application.temporary.disconnect_expired import EXPIRY_REASON, disconnect_expired_supplies
from gridpay.application.temporary.end_temporary_supply import DISCONNECT_REASON, end_temporary_supply
from gridpay.application.temporary.register_temporary_supply import (
    TemporaryRegistration,
    register_temporary_supply,
)
from gridpay.application.temporary.show_temporary_supply import list_temporary_supplies, show_temporary_supply
from gridpay.application.temporary.temporary_statement import statement_pdf, summary_lines, temporary_statement
from gridpay.application.work_lists.field_queues import field_queues
from gridpay.data import ledger as ledger_store
from gridpay.data.models import (
    Account,
    AuditRecord,
    LedgerAccount,
    MeterCommand,
    ReconnectCase,
    Settlement,
    TemporarySupply,
    Transfer,
    WorkOrder,
)
from gridpay.domain.staff_roles import Role
from gridpay.domain.temporary_supply import PrepaymentShort, TemporarySupplyInvalid, TemporarySupplyRefused
from tests.support.clock import local
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 3)  # registered and installed
CASHIER = {Role.CASHIER}
TARIFF = "zj-resident-2024"


def register(number: int = 1, *, estimate_kwh: str = "1000", remote: bool = True,
             end: date = date(2025, 3, 31)) -> str:
    install_builtin_meter_models()
    view = register_temporary_supply(
        registration=TemporaryRegistration(
            account_no=f"39010{number:05d}", customer_name=f"工地{number}", tariff_code=TARIFF,
            meter_no=f"T{number:08d}", dlt645_address=f"9{number:011d}", purpose="construction",
            description="村委会办公楼施工", planned_start=DAY, planned_end=end,
            estimate_kwh=Decimal(estimate_kwh), meter_model="DDZY-2013", remote_control=remote,
        ),
        actor="李营业员（li）", roles=CASHIER, at=local(DAY, 9), business_day=DAY,
    )
    return view.account_no


def pay(account_no: str, fen: int, txn: str, day: date = DAY) -> int:
    return record_payment(account_no=account_no, amount_fen=fen, channel="counter", channel_txn_id=txn,
                          received_at=local(day, 10), business_day=day).available_balance_fen


def estimate_of(account_no: str) -> int:
    return TemporarySupply.objects.get(account__account_no=account_no).estimate_fen


def run_days(account_no: str, daily_kwh: list[str], first: date = DAY) -> date:
    """The head-end's readings and the nightly settlement, day by day."""
    account = Account.objects.get(account_no=account_no)
    day = first
    for kwh in daily_kwh:
        add_readings(account, first_day=day, daily_kwh=[kwh])
        settle_day(day=day, at=local(day + timedelta(days=1), 1))
        day += timedelta(days=1)
    return day - timedelta(days=1)


def balance_of(account_no: str) -> int:
    return LedgerAccount.objects.get(account__account_no=account_no).balance_fen


def test_registration_prices_the_estimate_by_the_accounts_tariff_and_leaves_it_not_connected(zj_tariff: str) -> None:
    account_no = register(estimate_kwh="1000")

    quoted = quote_tariff(tariff_code=TARIFF, on=DAY, used_kwh=Decimal(0), energy_kwh=Decimal(1000), tou_kwh={})
    view = show_temporary_supply(account_no=account_no, today=DAY)
    assert view.estimate_fen == quoted.charge_fen == 53_800  # 1000 kWh at the first tier's 0.538 yuan
    assert (view.stage, view.supply_state, view.shortfall_fen) == ("registered", "disconnected", 53_800)
    account = Account.objects.get(account_no=account_no)
    assert (account.mode, account.prepaid_since, account.category) == ("prepaid", DAY, "other")
    assert account.meters.get().relay_open_desired
    assert AuditRecord.objects.get(action="temporary.register").actor == "李营业员（li）"


def test_registration_is_refused_to_a_collector_and_for_a_term_too_long(zj_tariff: str) -> None:
    with pytest.raises(NotAllowed):
        register_temporary_supply(
            registration=TemporaryRegistration(
                account_no="390100009", customer_name="集市", tariff_code=TARIFF, meter_no="T9", dlt645_address="9",
                purpose="fair", planned_start=DAY, planned_end=DAY, estimate_kwh=Decimal(10)),
            actor="zhang", roles={Role.GRID_STAFF}, at=local(DAY, 9), business_day=DAY)
    with pytest.raises(TemporarySupplyInvalid, match="六个月"):
        register(end=date(2025, 9, 4))
    assert not Account.objects.exists()  # nothing half-written


def test_connection_is_refused_naming_the_shortfall_and_the_payment_that_completes_it_connects(
    zj_tariff: str,
) -> None:
    account_no = register()
    with pytest.raises(PrepaymentShort) as short:
        connect_temporary_supply(account_no=account_no, actor="li", roles=CASHIER, at=local(DAY, 9), today=DAY)
    assert "还差 538.00 元" in short.value.message

    assert pay(account_no, 30_000, "R1") == 30_000
    # In credit and disconnected, an ordinary account would be reconnected now: a temporary one is not.
    assert not MeterCommand.objects.exists()
    with pytest.raises(PrepaymentShort, match=r"现有余额 300\.00 元，还差 238\.00 元"):
        connect_temporary_supply(account_no=account_no, actor="li", roles=CASHIER, at=local(DAY, 10), today=DAY)
    with pytest.raises(InvalidInput, match="temporary connect"):
        reconnect_now(account_no=account_no, reason="客户催", actor="班长", at=local(DAY, 10))

    pay(account_no, 23_800, "R2")
    command = MeterCommand.objects.get()
    assert (command.action, command.reason, command.status) == ("reconnect", CONNECT_REASON, "queued")
    assert ReconnectCase.objects.get().command_id == command.id
    view = show_temporary_supply(account_no=account_no, today=DAY)
    assert (view.stage, view.connect_command_id) == ("connected", command.id)
    assert view.connected_by == "系统（交费足额自动送电）"
    # Asked again, it is already connected: no second command.
    connect_temporary_supply(account_no=account_no, actor="li", roles=CASHIER, at=local(DAY, 11), today=DAY)
    assert MeterCommand.objects.count() == 1


def test_a_meter_the_head_end_cannot_switch_is_connected_and_disconnected_by_field_work_orders(
    zj_tariff: str,
) -> None:
    account_no = register(remote=False)
    pay(account_no, estimate_of(account_no), "R1")
    assert not MeterCommand.objects.exists()
    order = WorkOrder.objects.get()
    assert (order.kind, order.account.account_no) == ("temporary_connect", account_no)
    assert [o.kind for o in field_queues().work_orders] == ["temporary_connect"]
    with pytest.raises(NotAllowed):
        complete_field_work(account_no=account_no, note="", actor="zhang", roles={Role.GRID_STAFF}, at=local(DAY, 11))
    assert complete_field_work(account_no=account_no, note="合闸正常", actor="计量班王工", roles={Role.METERING},
                               at=local(DAY, 14)) == "temporary_connect"
    assert Account.objects.get(account_no=account_no).supply_state == "connected"

    run_days(account_no, ["5.00", "5.00"])
    end_temporary_supply(account_no=account_no, end_day=DAY + timedelta(days=1), final_total_kwh=None, actor="li",
                         roles=CASHIER, at=local(DAY + timedelta(days=2), 9), today=DAY + timedelta(days=2))
    assert [o.kind for o in field_queues().work_orders] == ["temporary_disconnect"]
    assert not MeterCommand.objects.exists()
    complete_field_work(account_no=account_no, note="已拆表", actor="计量班王工", roles={Role.METERING},
                        at=local(DAY + timedelta(days=2), 15))
    assert Account.objects.get(account_no=account_no).supply_state == "disconnected"
    assert field_queues().work_orders == []
    with pytest.raises(NotFound):
        complete_field_work(account_no=account_no, note="", actor="王工", roles={Role.METERING}, at=local(DAY, 16))


def test_the_end_settles_the_last_days_refunds_the_rest_in_counter_cash_closes_and_disconnects(
    zj_tariff: str,
) -> None:
    account_no = register()
    pay(account_no, 60_000, "R1")  # 600 yuan against an estimate of 538
    last = run_days(account_no, ["40.00"] * 5)  # 3–7 March settled nightly: 200 kWh, 107.60 yuan
    end_day = last + timedelta(days=1)  # ended early on the 8th, read at removal that day
    account = Account.objects.get(account_no=account_no)
    final = account.meters.get().readings.order_by("-reading_date").first().total_kwh + Decimal("12.50")

    view = end_temporary_supply(account_no=account_no, end_day=end_day, final_total_kwh=final, actor="李营业员（li）",
                                roles=CASHIER, at=local(end_day, 16), today=end_day)

    used = Settlement.objects.filter(account=account).order_by("day")
    assert [s.day for s in used][-1] == end_day and used.count() == 6
    assert sum(s.charge_fen for s in used) == 10_760 + 673  # 12.50 kWh × 0.538 = 6.725 → 6.73
    assert (view.paid_fen, view.used_fen, view.refunded_fen, view.owed_fen) == (60_000, 11_433, 48_567, 0)
    assert view.figures.left_fen == 0 == balance_of(account_no)
    refund = Transfer.objects.get(kind="refund")
    assert refund.amount_fen == 48_567
    assert refund.credit_id == LedgerAccount.objects.get(code=ledger_store.clearing_code("counter")).id
    account.refresh_from_db()
    assert account.status == "closed"
    command = MeterCommand.objects.filter(action="disconnect").get()
    assert command.reason == DISCONNECT_REASON
    assert view.final_total_kwh == f"{final:.2f}" and view.ended_on == end_day
    assert ledger_store.misrecorded_balances() == []
    assert sum(ledger_store.recomputed_balances().values()) == 0
    # Ended once: asked again, nothing more is refunded.
    again = end_temporary_supply(account_no=account_no, end_day=end_day, final_total_kwh=final, actor="li",
                                 roles=CASHIER, at=local(end_day, 17), today=end_day)
    assert again.refunded_fen == 48_567 and Transfer.objects.filter(kind="refund").count() == 1
    with pytest.raises(AccountClosed):
        pay(account_no, 100, "R9", end_day)
    with pytest.raises(TemporarySupplyRefused, match="已结束"):
        connect_temporary_supply(account_no=account_no, actor="li", roles=CASHIER, at=local(end_day, 18),
                                 today=end_day)
    assert [v.account_no for v in list_temporary_supplies(today=end_day)] == []
    assert [v.account_no for v in list_temporary_supplies(today=end_day, ended_too=True)] == [account_no]


def test_a_shortfall_at_the_end_is_owed_and_paid_on_the_closed_account_without_reconnecting(zj_tariff: str) -> None:
    account_no = register(estimate_kwh="100")  # 53.80 yuan
    pay(account_no, 5_380, "R1")
    last = run_days(account_no, ["60.00", "60.00"])  # 64.56 yuan used: more than was paid

    view = end_temporary_supply(account_no=account_no, end_day=last, final_total_kwh=None, actor="li",
                                roles=CASHIER, at=local(last + timedelta(days=1), 9), today=last + timedelta(days=1))

    assert (view.refunded_fen, view.owed_fen, view.used_fen) == (0, 1_076, 6_456)
    assert view.figures.left_fen == -1_076 == balance_of(account_no)
    assert not Transfer.objects.filter(kind="refund").exists()
    with pytest.raises(AccountClosed, match=r"只能补交欠费 10\.76 元"):
        pay(account_no, 2_000, "R2", last)
    commands = MeterCommand.objects.count()
    pay(account_no, 1_076, "R3", last)
    assert balance_of(account_no) == 0
    assert MeterCommand.objects.count() == commands  # a closed account is never reconnected
    assert show_temporary_supply(account_no=account_no, today=last).owed_fen == 0


def test_the_end_is_refused_whole_while_a_day_cannot_be_settled(zj_tariff: str) -> None:
    account_no = register()
    pay(account_no, estimate_of(account_no), "R1")
    last = run_days(account_no, ["10.00", "10.00"])
    gap_after = last + timedelta(days=2)  # no reading of the day after `last`

    with pytest.raises(TemporarySupplyRefused, match="缺少表"):
        end_temporary_supply(account_no=account_no, end_day=gap_after, final_total_kwh=None, actor="li",
                             roles=CASHIER, at=local(gap_after, 16), today=gap_after)
    with pytest.raises(SettlementIncomplete):
        end_temporary_supply(account_no=account_no, end_day=gap_after, final_total_kwh=Decimal("100"), actor="li",
                             roles=CASHIER, at=local(gap_after, 16), today=gap_after)
    view = show_temporary_supply(account_no=account_no, today=gap_after)
    assert (view.stage, view.refunded_fen) == ("connected", 0)
    assert Account.objects.get(account_no=account_no).status == "active"
    assert not Transfer.objects.filter(kind="refund").exists()


def test_a_supply_never_connected_gets_all_its_credit_back(zj_tariff: str) -> None:
    account_no = register()
    pay(account_no, 20_000, "R1")
    later = DAY + timedelta(days=3)

    view = end_temporary_supply(account_no=account_no, end_day=later, final_total_kwh=None, actor="li",
                                roles=CASHIER, at=local(later, 9), today=later)

    assert (view.refunded_fen, view.used_fen, view.figures.left_fen) == (20_000, 0, 0)
    assert not MeterCommand.objects.exists()  # never connected: nothing to disconnect
    statement = temporary_statement(account_no=account_no, today=later)
    assert statement.payments == [(DAY, "营业厅柜台", 20_000)]
    pdf = statement_pdf(statement, utility="测试供电所")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"户号 {account_no}" in text and "\u00b7" not in text  # no "·" in the subtitle: STSong-Light has none


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_that_waited_for_the_end_is_refused_not_left_on_the_closed_account(zj_tariff: str) -> None:
    account_no = register()
    pay(account_no, 20_000, "R1")  # not connected: the end refunds it all
    later = DAY + timedelta(days=1)
    outcome: list[BaseException | int] = []

    def paying() -> None:
        try:
            outcome.append(pay(account_no, 5_000, "R2", later))
        except BaseException as error:
            outcome.append(error)
        finally:
            connection.close()

    with transaction.atomic():
        end_temporary_supply(account_no=account_no, end_day=later, final_total_kwh=None, actor="li", roles=CASHIER,
                             at=local(later, 9), today=later)
        payer = threading.Thread(target=paying)
        payer.start()  # it finds the account open, then waits for the balance's lock until the end commits
        payer.join(timeout=1)
        assert payer.is_alive()
    payer.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], AccountClosed)
    assert balance_of(account_no) == 0
    assert show_temporary_supply(account_no=account_no, today=later).paid_fen == 20_000


def test_a_supply_past_its_term_is_disconnected_once_and_no_payment_reconnects_it_until_it_is_ended(
    zj_tariff: str,
) -> None:
    account_no = register(end=DAY + timedelta(days=2))
    pay(account_no, estimate_of(account_no), "R1")
    last = run_days(account_no, ["10.00"] * 4)  # used one day past its planned end
    on_the_end_day = disconnect_expired_supplies(today=DAY + timedelta(days=2), at=local(DAY + timedelta(days=2), 9))
    assert on_the_end_day.disconnected == []  # the planned end is a day of supply

    expired = disconnect_expired_supplies(today=last, at=local(last, 9))

    assert expired.disconnected == [account_no]
    command = MeterCommand.objects.get(action="disconnect")
    assert command.reason == EXPIRY_REASON
    assert disconnect_expired_supplies(today=last, at=local(last, 10)).disconnected == []  # once
    # The disconnection goes out and the meter confirms it; a payment after that does not reconnect it.
    MeterCommand.objects.filter(id=command.id).update(status="confirmed")
    Account.objects.filter(account_no=account_no).update(supply_state="disconnected")
    pay(account_no, 10_000, "R2", last)
    assert not MeterCommand.objects.filter(action="reconnect", id__gt=command.id).exists()
    with pytest.raises(InvalidInput, match="期满"):
        reconnect_now(account_no=account_no, reason="客户催", actor="班长", at=local(last, 11))
    view = show_temporary_supply(account_no=account_no, today=last)
    assert view.expired_at is not None and view.stage == "connected"
    assert "已期满停电，请办理结束" in "".join(summary_lines(view))

    ended = end_temporary_supply(account_no=account_no, end_day=last, final_total_kwh=None, actor="li",
                                 roles=CASHIER, at=local(last + timedelta(days=1), 9), today=last + timedelta(days=1))
    assert ended.stage == "ended" and ended.figures.left_fen == 0
    assert ended.refunded_fen == 53_800 + 10_000 - 4 * 538
