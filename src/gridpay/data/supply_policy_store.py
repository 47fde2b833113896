"""Reads the supply policy row into the domain's SupplyPolicy."""


from gridpay.data.held_reads import held
from gridpay.data.models import SupplyPolicySettings
from gridpay.data.settings import gridpay_settings
from gridpay.domain.supply_policy import (
    AlertLevels,
    DisconnectDelay,
    DisconnectionWindow,
    QuietHours,
    SupplyPolicy,
    UnusualUsageRule,
)


def load_policy() -> SupplyPolicy:
    """The stored policy; the domain's defaults while none was stored. Raises PolicyInvalid if the
    stored values break a rule (the domain checks them). Read once within data.held_reads.reads_held()."""
    return held("supply_policy", _load_policy)


def _load_policy() -> SupplyPolicy:
    row = SupplyPolicySettings.objects.filter(id=1).first()
    if row is None:
        return SupplyPolicy(zone=gridpay_settings().business_time_zone)
    return policy_of(row)


def policy_of(row: SupplyPolicySettings) -> SupplyPolicy:
    """The policy a row (saved or not) holds; raises PolicyInvalid if its values break a rule."""
    zone = gridpay_settings().business_time_zone
    return SupplyPolicy(
        zone=zone,
        alerts=AlertLevels(
            first_fen=row.alert_first_fen, second_fen=row.alert_second_fen, days_left=row.alert_days_left
        ),
        quiet_hours=QuietHours(sms_from=row.sms_from, sms_until=row.sms_until),
        disconnect_delay=DisconnectDelay(days=row.disconnect_delay_days, minutes=row.disconnect_delay_minutes),
        window=DisconnectionWindow(
            opens=row.window_opens,
            closes=row.window_closes,
            working_days_only=row.window_working_days_only,
            closed_on_holidays_and_eves=row.window_closed_on_holidays_and_eves,
        ),
        weather_block=row.weather_block,
        reconnect_level_fen=row.reconnect_level_fen,
        unusual_usage=UnusualUsageRule(
            baseline_days=row.unusual_baseline_days,
            min_history_days=row.unusual_min_history_days,
            factor=row.unusual_factor,
            min_excess_kwh=row.unusual_min_excess_kwh,
        ),
    )
