"""Accounts import on a real database: enrolment per row, bad rows rejected whole, re-import changes nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from gridpay.application.customers.import_accounts import COLUMNS, import_accounts, import_accounts_file
from gridpay.application.imports import ImportReport, WrongColumns
from gridpay.data.models import Account, Contact, Customer, LedgerAccount, Meter, Transfer, Village

pytestmark = pytest.mark.django_db
AT = datetime(2025, 1, 1, 1, tzinfo=UTC)
DAY = date(2025, 1, 1)
HEADER = ",".join(COLUMNS)


def line(number: int, **changes: str) -> str:
    values = {
        "account_no": f"33020{number:05d}",
        "customer_name": f"客户{number}",
        "phone": f"1380000{number:04d}",
        "village": "",
        "transformer_area": "码头1号台区",
        "address": f"码头镇{number}号",
        "mode": "prepaid",
        "prepaid_since": "2025-01-01",
        "tariff": "zj-resident-2024",
        "time_of_use": "0",
        "protected_reason": "",
        "meter_no": f"E{number:08d}",
        "dlt645_address": f"{number:012d}",
        "meter_registers": "total",
        "installed_on": "2024-12-31",
        "start_total_kwh": "1234.50",
        "opening_balance_fen": "5000",
    }
    values.update(changes)
    return ",".join(values[c] for c in COLUMNS)


def write(tmp_path: Path, *lines: str, name: str = "accounts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def run(path: Path) -> ImportReport:
    return import_accounts_file(path=path, at=AT, business_day=DAY)


def balance(account_no: str) -> int:
    return LedgerAccount.objects.get(code=f"customer:{account_no}").balance_fen


def codes(report: ImportReport) -> list[tuple[int, str]]:
    return [(r.row_number, r.code) for r in report.rejected]


def test_each_row_enrols_an_account_with_its_meter_and_opening_balance(zj_tariff: str, tmp_path: Path) -> None:
    Village.objects.create(name="码头村", town="码头镇")
    report = run(
        write(
            tmp_path,
            line(1, village="码头村"),
            line(
                2,
                mode="postpaid",
                prepaid_since="",
                time_of_use="是",
                meter_registers="tou",
                protected_reason="独居老人",
                opening_balance_fen="-1250",
            ),
        )
    )

    assert (report.stored, report.unchanged, report.rejected) == (2, 0, [])
    first = Account.objects.get(account_no="3302000001")
    assert (first.mode, first.prepaid_since, first.village.name if first.village else None) == (
        "prepaid",
        DAY,
        "码头村",
    )
    assert (first.customer.name, first.transformer_area, first.time_of_use, first.protected) == (
        "客户1",
        "码头1号台区",
        False,
        False,
    )
    meter = Meter.objects.get(account=first)
    assert (meter.meter_no, meter.dlt645_address, meter.installed_on, meter.start_total_kwh) == (
        "E00000001",
        "000000000001",
        date(2024, 12, 31),
        D("1234.50"),
    )
    assert Contact.objects.get(account=first).phone == "13800000001"
    assert balance("3302000001") == 5000
    second = Account.objects.get(account_no="3302000002")
    assert (second.mode, second.prepaid_since, second.time_of_use) == ("postpaid", None, True)
    assert (second.protected, second.protected_reason) == (True, "独居老人")
    assert Meter.objects.get(account=second).registers == "tou"
    assert balance("3302000002") == -1250


def test_bad_rows_are_rejected_with_their_line_and_write_nothing(zj_tariff: str, tmp_path: Path) -> None:
    counts_before = [m.objects.count() for m in (Account, Customer, Meter, LedgerAccount, Transfer)]
    path = write(
        tmp_path,
        line(1),  # line 2: good
        line(2, mode="monthly"),  # 3
        line(3, dlt645_address="12345678901"),  # 4
        line(4, time_of_use="yes"),  # 5
        line(5, tariff="no-such-tariff"),  # 6: refused by the enrolment
        line(6, prepaid_since=""),  # 7: prepaid needs a start
        line(7, opening_balance_fen="12.50"),  # 8
        line(8, meter_no="E00000001"),  # 9: meter of line 2
        line(9, customer_name=""),  # 10
        line(10, installed_on="2024-13-01"),  # 11
        line(11, start_total_kwh="1.005"),  # 12
        line(12, meter_registers="dual"),  # 13
        line(13, account_no="3" * 21),  # 14
        line(14, village="没有这个村"),  # 15
        "3302000015,客户15",  # 16
    )

    report = run(path)

    assert codes(report) == [
        (3, "invalid_value"),
        (4, "invalid_value"),
        (5, "invalid_value"),
        (6, "enrolment_refused"),
        (7, "enrolment_refused"),
        (8, "invalid_number"),
        (9, "enrolment_refused"),
        (10, "missing_value"),
        (11, "invalid_date"),
        (12, "too_many_decimals"),
        (13, "invalid_value"),
        (14, "too_long"),
        (15, "enrolment_refused"),
        (16, "malformed_row"),
    ]
    assert "no-such-tariff" in report.rejected[3].message
    assert report.stored == 1
    assert list(Account.objects.values_list("account_no", flat=True)) == ["3302000001"]
    # One account, its customer, meter and wallet, the opening-balance counterpart, one transfer.
    counts_after = [m.objects.count() for m in (Account, Customer, Meter, LedgerAccount, Transfer)]
    assert [a - b for a, b in zip(counts_after, counts_before, strict=True)] == [1, 1, 1, 2, 1]


def test_importing_the_same_file_again_changes_nothing(zj_tariff: str, tmp_path: Path) -> None:
    path = write(tmp_path, line(1), line(2), line(2))
    first = run(path)
    assert (first.stored, first.unchanged, first.rejected) == (2, 1, [])
    transfers = Transfer.objects.count()

    again = run(path)

    assert (again.stored, again.unchanged, again.rejected) == (0, 3, [])
    assert Transfer.objects.count() == transfers
    assert balance("3302000001") == 5000


def test_an_existing_account_with_another_meter_is_refused(zj_tariff: str, tmp_path: Path) -> None:
    run(write(tmp_path, line(1), name="a.csv"))

    report = run(write(tmp_path, line(1, meter_no="E99999999", dlt645_address="999999999999"), name="b.csv"))

    assert codes(report) == [(2, "enrolment_refused")]
    assert "3302000001" in report.rejected[0].message


def test_rows_given_directly_and_progress(zj_tariff: str) -> None:
    header = COLUMNS
    rows = [(n + 1, dict(zip(header, line(n).split(","), strict=True))) for n in range(1, 4)]
    done: list[tuple[int, int]] = []

    report = import_accounts(
        rows=rows, at=AT, business_day=DAY, on_progress=lambda *a: done.append(a), total_rows=len(rows)
    )

    assert report.stored == 3
    assert done == [(0, 3), (3, 3)]


def test_a_file_without_the_right_columns_writes_nothing(zj_tariff: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("account_no,customer_name,extra\n1,a,b\n", encoding="utf-8")

    with pytest.raises(WrongColumns) as error:
        run(path)

    assert "extra" in error.value.message
    assert "meter_no" in error.value.message
    assert not Account.objects.exists()


def test_tier_usage_already_billed_this_period_is_an_optional_column(zj_tariff: str, tmp_path: Path) -> None:
    path = tmp_path / "mid-year.csv"
    lines = [line(1) + ",2700.50", line(2) + ",", line(3) + ",-1", line(4) + ",10000000000"]
    path.write_text("\n".join([HEADER + ",period_used_kwh", *lines]) + "\n", encoding="utf-8")

    report = run(path)

    assert codes(report) == [(4, "invalid_number"), (5, "invalid_number")]
    used = dict(Account.objects.values_list("account_no", "opening_period_used_kwh"))
    assert used == {"3302000001": D("2700.50"), "3302000002": D(0)}


def test_a_row_with_several_problems_names_every_one(zj_tariff: str, tmp_path: Path) -> None:
    bad = line(1, phone="10012345678", mode="monthly", opening_balance_fen="12.5", installed_on="2024-13-01")
    landline = line(2, phone="0595 6890 5492")
    report = run(write(tmp_path, bad, landline))
    assert codes(report) == [(2, "invalid_value")]  # the first problem's code; the message names them all
    message = report.rejected[0].message
    for problem in ("mode 应为 prepaid 或 postpaid", "opening_balance_fen 应为整数", "installed_on 不是有效日期",
                    "电话号码应为 11 位手机号，或带区号的固定电话（例如 0595-22345678）：10012345678"):
        assert problem in message, message
    assert not Account.objects.filter(account_no="3302000001").exists()
    assert Customer.objects.get(name="客户2").phone == "0595-68905492"


def test_postpaid_rows_carry_their_category_and_whether_they_are_important(zj_tariff: str, tmp_path: Path) -> None:
    header = HEADER + ",category,important"
    rows = [
        line(1, mode="postpaid", prepaid_since="") + ",other,是",
        line(2, mode="postpaid", prepaid_since="") + ",,",
        line(3, mode="postpaid", prepaid_since="") + ",shop,0",
        line(4, mode="postpaid", prepaid_since="") + ",residential,maybe",
    ]
    path = tmp_path / "accounts.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    report = run(path)

    assert codes(report) == [(4, "invalid_late_fee_input"), (5, "invalid_value")]
    stored = dict(Account.objects.values_list("account_no", "category"))
    assert stored == {"3302000001": "other", "3302000002": "residential"}
    assert list(Account.objects.filter(important=True).values_list("account_no", flat=True)) == ["3302000001"]
