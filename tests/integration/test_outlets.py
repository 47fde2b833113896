"""The outlet registry and the 10-minute payment circle per village, as a table, JSON and a map."""

import json
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridpay.application.outlets.outlet_coverage import outlet_coverage
from gridpay.data.models import Account, Outlet, Village
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db
CENTRE = (Decimal("25.100000"), Decimal("118.300000"))
# 0.001° of latitude is about 111 m.
OUTLETS = (
    "code,name,kind,village,latitude,longitude,hours,channels,address,active\n"
    "P1,码头邮政所,post_office,东村,25.100000,118.300000,08:00-17:00,counter;agent,码头街1号,1\n"
    "S1,西村小卖部,shop,西村,25.200000,118.300000,07:00-21:00,agent,,1\n"
    "S2,已关门小店,shop,西村,25.210000,118.300000,07:00-21:00,agent,,0\n"
)


def place(number: int, village: str, north_m: float) -> None:
    enrol(number, village=village)
    Account.objects.filter(account_no=f"33010{number:05d}").update(
        latitude=CENTRE[0] + Decimal(str(round(north_m / 111_000, 6))), longitude=CENTRE[1]
    )


def test_coverage_counts_households_within_a_ten_minute_walk_of_an_open_outlet(
    zj_tariff: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "outlets.csv").write_text(OUTLETS)
    for name in ("东村", "西村"):
        Village.objects.create(name=name, town="测试镇")
    for n, (village, metres) in enumerate([("东村", 100), ("东村", 700), ("东村", 900), ("西村", 11_100),
                                           ("西村", 30_000)], 1):
        place(n, village, metres)
    enrol(9, village="东村")  # no location: counted, never guessed
    call_command("outlets", "import", str(tmp_path / "outlets.csv"))
    assert Outlet.objects.count() == 3 and Outlet.objects.get(code="P1").channels == ["counter", "agent"]
    report = outlet_coverage()
    rows = {v.village: (v.accounts, v.located, v.covered, v.outlets) for v in report.villages}
    assert rows == {"东村": (4, 3, 2, 1), "西村": (2, 2, 1, 1)}
    # At 19:30 the post office is shut: only the shop's circle counts.
    evening = {v.village: v.covered for v in outlet_coverage(at=time(19, 30)).villages}
    assert evening == {"东村": 0, "西村": 1}
    Village.objects.filter(name="东村").update(latitude=CENTRE[0], longitude=CENTRE[1])
    call_command("outlets", "coverage", "--map", str(tmp_path / "circle.svg"))
    out = capsys.readouterr().out
    assert "东村" in out and "66.7%" in out and "合计" in out and "地图已保存" in out
    svg = (tmp_path / "circle.svg").read_text()
    assert "十分钟交费圈" in svg and "东村" in svg and "<svg" in svg  # text kept as text, for any viewer
    call_command("outlets", "coverage", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == {"village": "合计", "accounts": 6, "located": 5, "covered": 3, "share": 0.6,
                             "outlets": 2}


def test_a_bad_outlet_file_writes_nothing(zj_tariff: str, tmp_path: Path) -> None:
    for name in ("东村", "西村"):
        Village.objects.create(name=name, town="测试镇")
    bad = OUTLETS.replace("08:00-17:00", "早八点")
    (tmp_path / "outlets.csv").write_text(bad)
    with pytest.raises(CommandError, match="营业时间"):
        call_command("outlets", "import", str(tmp_path / "outlets.csv"))
    (tmp_path / "outlets.csv").write_text(OUTLETS.replace("post_office", "castle"))
    with pytest.raises(CommandError, match="类型"):
        call_command("outlets", "import", str(tmp_path / "outlets.csv"))
    assert Outlet.objects.count() == 0
    with pytest.raises(CommandError, match=r"\.svg"):
        call_command("outlets", "coverage", "--map", str(tmp_path / "circle.jpg"))
