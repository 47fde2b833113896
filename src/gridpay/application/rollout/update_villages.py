"""Edits a village's rollout month, grid staff and village assistant, one by one or from the town's schedule CSV."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput
from gridpay.data.models import AuditRecord, GridStaff, Village
from gridpay.domain.phone_numbers import InvalidPhone, normalised_phone
from gridpay.domain.texts import gettext_noop

SCHEDULE_COLUMNS = ["month", "village", "grid_staff", "grid_phone", "village_assistant", "assistant_phone"]


@dataclass(frozen=True)
class VillagePlan:
    village: str
    rollout_month: date | None
    grid_staff: str
    grid_phone: str
    assistant: str
    assistant_phone: str


def update_village(*, town: str, plan: VillagePlan, actor: str, at: datetime) -> None:
    update_villages(town=town, plans=[plan], actor=actor, at=at)


def update_villages(*, town: str, plans: list[VillagePlan], actor: str, at: datetime) -> int:
    """All or nothing; a village not yet known is added to ``town``."""
    with transaction.atomic():
        for plan in plans:
            if not plan.village.strip():
                raise InvalidInput(gettext_noop("村/社区名称不能为空"), field="village")
            staff = None
            grid_phone = normalised_phone(plan.grid_phone) if plan.grid_phone.strip() else ""
            assistant_phone = normalised_phone(plan.assistant_phone) if plan.assistant_phone.strip() else ""
            if plan.grid_staff.strip():
                staff, _ = GridStaff.objects.get_or_create(name=plan.grid_staff.strip(), phone=grid_phone)
            village, _ = Village.objects.get_or_create(town=town, name=plan.village.strip())
            old = {"rollout_month": str(village.rollout_month or ""), "grid_staff": village.grid_staff_id,
                   "assistant": village.assistant_name, "assistant_phone": village.assistant_phone}
            village.rollout_month, village.grid_staff = plan.rollout_month, staff
            village.assistant_name, village.assistant_phone = plan.assistant.strip(), assistant_phone
            village.save()
            AuditRecord.objects.create(
                at=at, actor=actor[:100], action="rollout.village", target=f"village:{village.id}", old=old,
                new={"rollout_month": str(plan.rollout_month or ""), "grid_staff": village.grid_staff_id,
                     "assistant": village.assistant_name, "assistant_phone": village.assistant_phone},
            )
    return len(plans)


def parse_schedule(content: bytes) -> list[VillagePlan]:
    """The town's schedule (码头镇智能交费推广安排表): month,village,grid_staff,grid_phone,village_assistant,
    assistant_phone; month as YYYY-MM. A bad line is named and nothing is taken."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(gettext_noop("推广安排表应为 UTF-8 编码的 CSV"), field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    if [c.strip() for c in reader.fieldnames or []] != SCHEDULE_COLUMNS:
        raise InvalidInput(gettext_noop("推广安排表的表头应为 {columns}"), field="file",
                           params={"columns": ",".join(SCHEDULE_COLUMNS)})
    plans = []
    problems: list[str] = []  # every bad line, each with every problem: the file is mended once
    for number, row in enumerate(reader, 2):
        found = []
        first = None
        try:
            year, month = (int(x) for x in (row["month"] or "").strip().split("-"))
            first = date(year, month, 1)
        except ValueError:
            found.append(f"月份应为 YYYY-MM：{row['month']!r}")
        if not (row["village"] or "").strip():
            found.append("村/社区名称不能为空")
        for column in ("grid_phone", "assistant_phone"):
            if (row[column] or "").strip():
                try:
                    normalised_phone(row[column])
                except InvalidPhone as error:
                    found.append(error.message)
        if found:
            problems.append(f"第 {number} 行：" + "，".join(found))
            continue
        assert first is not None
        plans.append(VillagePlan(row["village"].strip(), first, (row["grid_staff"] or "").strip(),
                                 (row["grid_phone"] or "").strip(), (row["village_assistant"] or "").strip(),
                                 (row["assistant_phone"] or "").strip()))
    if problems:
        raise InvalidInput(gettext_noop("推广安排表有误，未导入任何一行：{problems}"), field="file",
                           params={"problems": "；".join(problems)})
    return plans
