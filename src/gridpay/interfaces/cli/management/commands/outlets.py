"""`gridpay outlets import | list | coverage`: the outlet registry and the 10-minute payment circle per village."""

import csv
from argparse import ArgumentParser
from datetime import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from rich.table import Table

from gridpay.application.outlets.list_outlets import list_outlets
from gridpay.application.outlets.outlet_coverage import CoverageReport, outlet_coverage
from gridpay.application.outlets.register_outlets import OutletInput, register_outlets
from gridpay.integrations.maps.coverage_map import MapNotDrawn, draw_coverage_map
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json

CSV_COLUMNS = ["code", "name", "kind", "village", "latitude", "longitude", "hours", "channels", "address", "active"]


class Command(GridpayCommand):
    help = "交费网点：import 导入网点表，list 列出网点，coverage 各村“十分钟交费圈”覆盖率（表格与地图）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="从 CSV 导入或更新网点：" + ",".join(CSV_COLUMNS))
        load.add_argument("file", type=Path, help="网点表 CSV 文件")
        sub.add_parser("list", help="列出网点")
        cover = sub.add_parser("coverage", help="各村步行十分钟内有营业网点的户数占比")
        cover.add_argument("--at", type=time.fromisoformat, help="只算此时刻营业的网点，例如 19:30")
        cover.add_argument("--minutes", type=int, default=10, help="步行分钟数，默认 10")
        cover.add_argument("--map", type=Path, help="另存地图（.svg，或装有中文字体时 .png）")
        cover.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with domain_errors_as_command_errors():
            if action == "import":
                count = register_outlets(outlets=read_outlets(options["file"]))
                console.print(f"已导入 {count} 个网点。")
                return
            if action == "list":
                for outlet in list_outlets():
                    state = "营业" if outlet.active else "停业"
                    console.print(f"  {outlet.code} {outlet.name}（{outlet.kind_label}）{outlet.village or '—'} "
                                  f"{outlet.hours} {state} 交费方式：{'、'.join(outlet.channels) or '—'}")
                return
            if options["minutes"] <= 0:
                raise CommandError("--minutes 应大于 0")
            report = outlet_coverage(at=options["at"], minutes=options["minutes"])
        if options["map"]:
            draw_map(report, options["map"])
        if options["json"]:
            print_json({"minutes": report.minutes, "radius_m": report.radius_m, "at": report.at,
                        "villages": [_row(v) for v in report.villages], "total": _row(report.total)})
            return
        print_coverage(report)
        if options["map"]:
            console.print(f"地图已保存：{options['map']}")


def read_outlets(path: Path) -> list[OutletInput]:
    if not path.is_file():
        raise CommandError(f"找不到网点文件 {path}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS[:6] if c not in (reader.fieldnames or [])]
        if missing:
            raise CommandError(f"网点文件缺少列：{'、'.join(missing)}（应有 {','.join(CSV_COLUMNS)}）")
        outlets = []
        for row in reader:
            outlets.append(OutletInput(
                code=row["code"].strip(), name=row["name"].strip(), kind=row["kind"].strip(),
                village=(row.get("village") or "").strip(), latitude=row["latitude"].strip(),
                longitude=row["longitude"].strip(), hours=(row.get("hours") or "08:00-18:00").strip(),
                address=(row.get("address") or "").strip(),
                channels=tuple(c.strip() for c in (row.get("channels") or "").split(";") if c.strip()),
                active=(row.get("active") or "1").strip() not in ("0", "false", "否"),
            ))
        return outlets


def print_coverage(report: CoverageReport) -> None:
    when = f"{report.at:%H:%M} 营业的" if report.at else "营业中的"
    table = Table(title=f"十分钟交费圈（步行 {report.minutes} 分钟 ≈ {report.radius_m:.0f} 米内有{when}网点）")
    for name, justify in (("村/社区", "left"), ("户数", "right"), ("有位置", "right"), ("覆盖", "right"),
                          ("占比", "right"), ("网点", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for village in [*report.villages, report.total]:
        share = "—" if village.share is None else f"{village.share:.1%}"
        table.add_row(village.village, str(village.accounts), str(village.located), str(village.covered), share,
                      str(village.outlets), end_section=village is report.villages[-1])
    console.print(table)


def draw_map(report: CoverageReport, path: Path) -> None:
    try:
        draw_coverage_map(
            path=path,
            title=f"十分钟交费圈：{report.total.covered}/{report.total.located} 户在营业网点步行{report.minutes}分钟内",
            latitudes=report.latitudes, longitudes=report.longitudes, covered=report.covered,
            outlets=[(o.name, o.latitude, o.longitude, o.open) for o in report.outlets],
            labels=report.village_centres, radius_m=report.radius_m,
            legend=("在交费圈内", "不在交费圈内", "营业网点", "未营业网点"),
        )
    except (MapNotDrawn, OSError) as error:
        raise CommandError(str(error)) from error


def _row(village: Any) -> dict[str, Any]:
    return {"village": village.village, "accounts": village.accounts, "located": village.located,
            "covered": village.covered, "share": village.share, "outlets": village.outlets}
