"""`gridpay collection …`: collection management (催费管理) — areas, the monthly campaign, the late payers, reports.

Each group of subcommands lives in its own module of interfaces/cli, with its first words (ACTIONS), its arguments and
its handling.
"""

from argparse import ArgumentParser
from typing import Any

from gridpay.interfaces.cli import collection_areas, collection_campaign, collection_late_payers, collection_reports
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import domain_errors_as_command_errors

GROUPS = (
    (collection_areas.ACTIONS, collection_areas.add_area_arguments, collection_areas.handle_areas),
    (collection_campaign.ACTIONS, collection_campaign.add_campaign_arguments, collection_campaign.handle_campaign),
    (collection_late_payers.ACTIONS, collection_late_payers.add_late_payer_arguments,
     collection_late_payers.handle_late_payers),
    (collection_reports.ACTIONS, collection_reports.add_report_arguments, collection_reports.handle_report),
)


class Command(GridpayCommand):
    help = ("催费管理：areas 片区一览，area-collector 指定收费员，area-assign 村/台区划入片区，arrears 欠费户及责任人；"
            "campaign 每月宣传，bundle 电费通知单，follow-up 跟进，untouched 无人联系的欠费户；"
            "chronic 长期延时交费档案与提醒、每月交费提醒，credit-report 征信报送名单，notice 欠费公示；"
            "report 催费报表")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for _, add, _ in GROUPS:
            add(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            handle = next(handle for actions, _, handle in GROUPS if options["action"] in actions)
            handle(options)
