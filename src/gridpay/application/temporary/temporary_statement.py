"""A temporary supply's statement (临时用电结算单): estimate, paid, used, refunded or owed, with the payments and the
daily usage behind them; as text lines and as an A4 PDF like the move-out statement."""

from dataclasses import dataclass
from datetime import date

from gridpay.application.temporary.show_temporary_supply import TemporaryView, show_temporary_supply
from gridpay.data.models import Account, Payment
from gridpay.data.queries.accounts import settled_days
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import channel_label
from gridpay.integrations.documents.report_pdf import tables_pdf


@dataclass(frozen=True)
class TemporaryStatement:
    supply: TemporaryView
    payments: list[tuple[date, str, int]]  # business day, channel label, fen
    days: list[tuple[date, str, int]]  # day, kWh, fen charged


def temporary_statement(*, account_no: str, today: date) -> TemporaryStatement:
    supply = show_temporary_supply(account_no=account_no, today=today)
    payments = [
        (day, channel_label(channel), fen)
        for day, channel, fen in Payment.objects.filter(account__account_no=supply.account_no)
        .order_by("business_day", "id").values_list("business_day", "channel", "amount_fen")
    ]
    account_id = Account.objects.values_list("id", flat=True).get(account_no=supply.account_no)
    days = [(day, f"{kwh:.2f}", fen) for day, kwh, fen in settled_days(account_id=account_id)]
    return TemporaryStatement(supply=supply, payments=payments, days=days)


def summary_lines(supply: TemporaryView) -> list[str]:
    """The statement's sums in words: what was estimated, paid, used, and how it was settled up."""
    s = supply
    purpose = f"{s.purpose_label}：{s.description}" if s.description else s.purpose_label
    lines = [
        f"临时用电 户号 {s.account_no} {s.customer_name}（{purpose}）",
        f"计划期限 {s.planned_start} 至 {s.planned_end}，状态：{s.stage_label}"
        + (f"（结束日 {s.ended_on}）" if s.ended_on else "")
        + ("，已期满停电，请办理结束" if s.expired_at else "，已过计划结束日，请办理结束" if s.overdue else ""),
        f"预计用电 {s.estimate_kwh} 千瓦时，预计电费 {format_yuan(s.estimate_fen)} 元（电价 {s.tariff_code}）",
        f"已交 {format_yuan(s.paid_fen)} 元，已用 {s.used_kwh} 千瓦时 {format_yuan(s.used_fen)} 元，"
        f"已退 {format_yuan(s.refunded_fen)} 元",
    ]
    if s.stage == "registered":
        lines.append(f"还须预交 {format_yuan(s.shortfall_fen)} 元方可送电" if s.shortfall_fen
                     else "预交已足额，可以送电")
    elif s.stage == "ended":
        lines.append(f"结束时欠费 {format_yuan(s.owed_fen)} 元，请补交" if s.owed_fen
                     else "已结清：余额已退还，账户已销户")
    else:
        lines.append(f"当前余额 {format_yuan(s.balance_fen)} 元")
    return lines


def statement_pdf(statement: TemporaryStatement, *, utility: str) -> bytes:
    s = statement.supply
    ended = s.stage == "ended"
    return tables_pdf(
        title=f"{utility} 临时用电结算单",
        subtitle=f"户号 {s.account_no}　{s.customer_name}　{s.address}　{s.purpose_label}　"
                 f"计划 {s.planned_start} 至 {s.planned_end}" + (f"　结束 {s.ended_on}" if ended else ""),
        sections=[
            ("汇总", ["预计电费（元）", "已交（元）", "已用（元）", "已退（元）", "欠费（元）", "余额（元）"],
             [[format_yuan(s.estimate_fen), format_yuan(s.paid_fen), format_yuan(s.used_fen),
               format_yuan(s.refunded_fen), format_yuan(s.owed_fen), format_yuan(max(0, s.balance_fen))]]),
            ("用电量", ["预计（千瓦时）", "实用（千瓦时）", "末次读数"],
             [[s.estimate_kwh, s.used_kwh, s.final_total_kwh or "—"]]),
            ("交费", ["日期", "方式", "金额（元）"], [[f"{d}", c, format_yuan(f)] for d, c, f in statement.payments]),
            ("每日用电", ["日期", "用电量（千瓦时）", "电费（元）"],
             [[f"{d}", k, format_yuan(f)] for d, k, f in statement.days]),
        ],
    )
