"""The village rollout (RULES §11): progress against the year-end target, and the village WeChat group message."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class VillageInvitation:
    village: str
    town: str
    rollout_month: date | None
    grid_staff: str
    grid_phone: str
    assistant: str
    assistant_phone: str


def wechat_group_text(v: VillageInvitation) -> str:
    """A message ready to paste into the village's WeChat group (seed 000, 推广工作要求 3)."""
    when = f"{v.rollout_month.year}年{v.rollout_month.month}月" if v.rollout_month else "近期"
    helper = f"本村推广协助员{v.assistant}（{v.assistant_phone}）" if v.assistant else "村委会"
    staff = f"供电所网格员{v.grid_staff}（{v.grid_phone}）" if v.grid_staff else "供电所"
    return (
        f"【电力智能交费开通通知】{v.village}的乡亲们：{when}起，{v.town}供电所在本村开通电力“智能交费”。"
        "开通后电费每日自动结算，余额不足自动短信提醒，可用网上国网App、微信、支付宝或营业厅随时交费，"
        "也可绑定银行卡自动充值；交清欠费后自动恢复供电，不产生违约金。"
        f"届时将在村委会现场集中签订《智能交费协议》，不方便到场的可由网格员上门办理。"
        f"有疑问请联系{helper}或{staff}。"
    )


def target_accounts(*, accounts: int, target_percent: int) -> int:
    """How many agreements the year-end target asks for (rounded up: 95 % of 101 accounts is 96)."""
    return -(-accounts * target_percent // 100)


def year_to_show(*, plan_years: list[int], today: date) -> int:
    """The year the rollout page opens on: this year if the plan has villages in it; else the last year of the plan
    before it (a rollout finished), else its first year (one still to come); with no plan, this year."""
    if not plan_years or today.year in plan_years:
        return today.year
    before = [year for year in plan_years if year < today.year]
    return max(before) if before else min(plan_years)
