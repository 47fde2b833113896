"""The queues that need a person: meter commands under way or failed, the protected queue, field work orders."""

from dataclasses import dataclass

from gridpay.data.models.field_work import WorkOrderKind
from gridpay.data.queries.work_lists import CommandRow, WorkOrderRow, meter_commands, open_work_orders
from gridpay.domain.meter_commands import UNDER_WAY, CommandStatus

FAILED = [CommandStatus.ESCALATED.value, CommandStatus.EXPIRED.value]


@dataclass(frozen=True)
class FieldQueues:
    under_way: list[CommandRow]
    failed: list[CommandRow]
    protected: list[WorkOrderRow]  # 保电户欠费待处理: arrears of protected accounts, for a person to decide
    work_orders: list[WorkOrderRow]  # failed disconnections and reconnections, temporary supplies, for the field


def field_queues(*, limit: int = 300) -> FieldQueues:
    return FieldQueues(
        under_way=meter_commands(statuses=sorted(s.value for s in UNDER_WAY), limit=limit),
        failed=meter_commands(statuses=FAILED, limit=limit),
        protected=open_work_orders(kinds=[WorkOrderKind.PROTECTED_REVIEW.value]),
        work_orders=open_work_orders(kinds=[WorkOrderKind.DISCONNECT_FAILED.value,
                                            WorkOrderKind.RECONNECT_FAILED.value,
                                            WorkOrderKind.TEMPORARY_CONNECT.value,
                                            WorkOrderKind.TEMPORARY_DISCONNECT.value]),
    )
