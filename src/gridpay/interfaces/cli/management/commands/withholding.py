"""`gridpay withholding sign | queue | export | import`: bank withholding agreements, batch files and results."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.payments.withholding.export_batch import export_batch, export_batch_again
from gridpay.application.payments.withholding.import_results import import_results
from gridpay.application.payments.withholding.queue_withholdings import queue_withholdings
from gridpay.application.payments.withholding.sign_agreement import sign_agreement
from gridpay.data.settings import gridpay_settings
from gridpay.domain.money import format_yuan
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors


class Command(GridpayCommand):
    help = (
        "银行代扣与自动充值：sign 签订代扣协议，queue 余额低于约定值的户生成代扣请求，export 导出银行批扣文件，"
        "import 导入银行回盘文件（成功即入账，失败短信告知客户）"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sign = sub.add_parser("sign", help="签订（或更换）代扣协议")
        sign.add_argument("--account", required=True, help="户号")
        sign.add_argument("--bank", required=True, help="银行代码，例如 PSBC（邮储）")
        sign.add_argument("--account-token", required=True, help="银行给出的账户令牌（不记录卡号）")
        sign.add_argument("--holder", required=True, help="户名")
        sign.add_argument("--threshold-fen", type=int, required=True, help="余额低于此值即代扣（分）")
        sign.add_argument("--amount-fen", type=int, required=True, help="每次代扣金额（分）")
        sign.add_argument("--by", default="", help="经办人")
        sub.add_parser("queue", help="余额低于约定值的户生成代扣请求（结算后自动运行）")
        export = sub.add_parser("export", help="导出某银行的批扣文件；--batch 重新导出已导出的批次")
        which = export.add_mutually_exclusive_group(required=True)
        which.add_argument("--bank", help="导出该银行待代扣的请求（新批次）")
        which.add_argument("--batch", help="已导出的批次号：原样再导出一份（例如文件丢失）")
        export.add_argument("--out", type=Path, required=True, help="批扣文件（已存在则不覆盖）")
        export.add_argument("--by", required=True, help="经办人")
        load = sub.add_parser("import", help="导入银行回盘文件")
        load.add_argument("file", type=Path, help="银行回盘文件")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with domain_errors_as_command_errors():
            if action == "sign":
                agreement = sign_agreement(
                    account_no=options["account"], bank_code=options["bank"], account_token=options["account_token"],
                    holder_name=options["holder"], threshold_fen=options["threshold_fen"],
                    amount_fen=options["amount_fen"], by=options["by"], at=clock.now(),
                )
                console.print(f"已签订代扣协议 {agreement.agreement_id}：户号 {agreement.account_no}，"
                              f"{agreement.bank_code} {agreement.holder_name}，余额低于 "
                              f"{format_yuan(agreement.threshold_fen)} 元时代扣 {format_yuan(agreement.amount_fen)} 元")
            elif action == "queue":
                queued = queue_withholdings(at=clock.now(), business_day=clock.today())
                console.print(f"新增代扣请求 {queued} 笔。")
            elif action == "export":
                zone = gridpay_settings().business_time_zone
                with output_file(options["out"]) as out:
                    if options["batch"]:
                        batch = export_batch_again(batch_no=options["batch"], by=options["by"], at=clock.now(),
                                                   zone=zone, deliver=out.write)
                    else:
                        batch = export_batch(bank_code=options["bank"], by=options["by"], at=clock.now(), zone=zone,
                                             deliver=out.write)
                again = "（重新导出）" if options["batch"] else ""
                console.print(f"批扣文件 {out.path}{again}：批次 {batch.batch_no}，{batch.requests} 笔，"
                              f"{format_yuan(batch.total_fen)} 元")
            else:
                path: Path = options["file"]
                if not path.is_file():
                    raise CommandError(f"找不到回盘文件 {path}")
                result = import_results(content=path.read_bytes(), at=clock.now(), business_day=clock.today())
                credited = format_yuan(result.credited_fen)
                console.print(f"批次 {result.batch_no}：成功 {result.succeeded} 笔（入账 {credited} 元），"
                              f"失败 {result.failed} 笔（短信 {result.sms_queued} 条），"
                              f"此前已处理 {result.unchanged} 笔")
