"""The order a collector goes round their accounts after the campaign: their plan's village order, then address."""

from datetime import date

from gridpay.data.models import CampaignRound


def village_order(*, collector_id: int, month: date) -> dict[int, int]:
    """village id → its place on the collector's route this month (by day, then position on the day)."""
    rounds = CampaignRound.objects.filter(collector_id=collector_id, month=month.replace(day=1)).order_by(
        "day", "position", "id").values_list("village_id", flat=True)
    return {village_id: index for index, village_id in enumerate(rounds)}


def route_key(order: dict[int, int], village_id: int | None, village: str, address: str,
              account_no: str) -> tuple[int, str, str, str]:
    """Planned villages first, in route order; the others after them by name; then address and account."""
    return (order.get(village_id, len(order)) if village_id is not None else len(order) + 1, village, address,
            account_no)
