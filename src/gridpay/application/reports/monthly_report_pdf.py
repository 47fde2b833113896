"""The monthly report as a PDF, the same figures as the page."""


from gridpay.application.reports.monthly_report import MonthlyReport
from gridpay.data.settings import gridpay_settings
from gridpay.domain.money import format_yuan
from gridpay.integrations.documents.report_pdf import tables_pdf


def monthly_report_pdf(report: MonthlyReport, *, printed: str) -> bytes:
    rate = "—" if report.recovery_rate is None else f"{report.recovery_rate * 100:.2f}%"
    median = "—" if report.reconnect_median_minutes is None else f"{report.reconnect_median_minutes} 分钟"
    slowest = "—" if report.reconnect_slowest_hours is None else f"{report.reconnect_slowest_hours} 小时"
    share = f"{report.agreements_by_end / report.accounts:.1%}" if report.accounts else "—"
    return tables_pdf(
        title=f"{gridpay_settings().utility_name} 智能交费月报 · {report.month:%Y年%m月}",
        subtitle=f"打印时间 {printed}",
        sections=[
            ("电费回收", ["本月结算电费（元）", "本月交费（元）", "欠费余额（元）", "电费回收率"],
             [[format_yuan(report.charged_fen), format_yuan(report.paid_fen), format_yuan(report.outstanding_fen),
               rate]]),
            ("欠费账龄", ["账龄", "户数", "欠费（元）"],
             [[b.label, str(b.accounts), format_yuan(b.owed_fen)] for b in report.ageing]),
            ("停复电", ["欠费停电（次）", "交费复电（次）", "复电时长中位", "最慢", "超过 24 小时"],
             [[str(report.disconnections), str(report.reconnections), median, slowest,
               str(report.reconnections_over_24h)]]),
            ("短信提醒", ["类型", "条数"], [[name, str(n)] for name, n in report.sms]),
            ("交费渠道", ["渠道", "笔数", "金额（元）"], [[c, str(n), format_yuan(f)] for c, n, f in report.channels]),
            ("推广", ["本月签约", "累计签约", "户数", "签约率"],
             [[str(report.agreements_in_month), str(report.agreements_by_end), str(report.accounts), share]]),
        ],
    )
