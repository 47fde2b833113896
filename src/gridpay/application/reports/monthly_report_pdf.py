"""The monthly report as a PDF, the same figures as the page."""

from decimal import Decimal

from gridpay.application.reports.monthly_report import MonthlyReport
from gridpay.data.settings import gridpay_settings
from gridpay.domain.money import format_yuan
from gridpay.domain.recovery import Recovery
from gridpay.integrations.documents.report_pdf import Section, tables_pdf


def monthly_report_pdf(report: MonthlyReport, *, printed: str) -> bytes:
    return tables_pdf(title=f"{gridpay_settings().utility_name} 智能交费月报　{report.month:%Y年%m月}",
                      subtitle=f"打印时间 {printed}", sections=monthly_report_sections(report))


def monthly_report_sections(report: MonthlyReport) -> list[Section]:
    """The report's headings and tables, in the page's order."""
    median = "—" if report.reconnect_median_minutes is None else f"{report.reconnect_median_minutes} 分钟"
    slowest = "—" if report.reconnect_slowest_hours is None else f"{report.reconnect_slowest_hours} 小时"
    share = f"{report.agreements_by_end / report.accounts:.1%}" if report.accounts else "—"
    bills, fees, cases, tickets = (report.postpaid_bills, report.late_fees, report.arrears_cases,
                                   report.case_reconnections)
    return [
        (f"电费回收（实收计至 {report.cut_off:%Y-%m-%d}）",
         ["类别", "应收电费（元）", "实收电费（元）", "未收（元）", "电费回收率"],
         [_recovery_row(name, recovery) for name, recovery in report.recovery_rows]),
        (f"交费与欠费（欠费计至 {report.cut_off:%Y-%m-%d}）", ["本月交费（元）", "欠费户数", "欠费（元）"],
         [[format_yuan(report.paid_fen), str(report.arrears_accounts), format_yuan(report.arrears_fen)]]),
        (f"欠费账龄（计至 {report.cut_off:%Y-%m-%d}）", ["账龄", "户数", "欠费（元）"],
         [[b.label, str(b.accounts), format_yuan(b.owed_fen)] for b in report.ageing]),
        ("停复电", ["欠费停电（次）", "交费复电（次）", "复电时长中位", "最慢", "超过 24 小时"],
         [[str(report.disconnections), str(report.reconnections), median, slowest,
           str(report.reconnections_over_24h)]]),
        ("后付费电费单（本月发行）", ["张数", "电费（元）", "已交（元）", "未交（元）"],
         [[str(bills.bills), format_yuan(bills.amount_fen), format_yuan(bills.paid_fen),
           format_yuan(bills.outstanding_fen)]]),
        ("电费违约金", ["本月计收（元）", "本月实收（元）", "本月减免（元）", "未交（元）"],
         [[format_yuan(fees.charged_fen), format_yuan(fees.paid_fen), format_yuan(fees.waived_fen),
           format_yuan(fees.outstanding_fen)]]),
        ("停电催费案件（本月）", ["立案", "交清结案", "实施停电", "复电", "在办（月末）"],
         [[str(cases.opened), str(cases.closed_paid), str(cases.executed), str(cases.reconnected),
           str(cases.open)]]),
        ("在办案件阶段（月末）", ["阶段", "件数"], [[label, str(n)] for label, n in cases.open_by_stage]),
        (f"停电催费复电（时限 {tickets.limit_hours} 小时）",
         ["本月复电", "按时", "超时", "用时中位（小时）", "最长（小时）", "月末超时未复电"],
         [[str(tickets.done), str(tickets.on_time), str(tickets.late), _hours(tickets.median_hours),
           _hours(tickets.longest_hours), str(tickets.overdue_open)]]),
        ("短信提醒", ["类型", "条数"], [[name, str(n)] for name, n in report.sms]),
        ("交费渠道（已扣除作废与冲正）", ["渠道", "笔数", "金额（元）"],
         [[c, str(n), format_yuan(f)] for c, n, f in report.channels]),
        ("推广", ["本月签约", "累计签约", "户数", "签约率"],
         [[str(report.agreements_in_month), str(report.agreements_by_end), str(report.accounts), share]]),
    ]


def _recovery_row(name: str, recovery: Recovery) -> list[str]:
    return [name, format_yuan(recovery.due_fen), format_yuan(recovery.received_fen),
            format_yuan(recovery.outstanding_fen), _percent(recovery.rate)]


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


def _hours(hours: Decimal | None) -> str:
    return "—" if hours is None else str(hours)
