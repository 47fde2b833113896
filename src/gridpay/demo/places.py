"""Where the demo town's villages, households and payment outlets are: made up, deterministic, plausible.

Villages lie around the town centre a few kilometres apart; households cluster round their village centre;
outlets are the service hall and the post office in town, shops in two villages of three and village service
points in some — so the 10-minute payment circle covers some villages well and leaves gaps in others.
"""

import random
from datetime import datetime, timedelta

from gridpay.application.outlets.register_outlets import OutletInput, register_outlets
from gridpay.data.models import Account, AccountMode, PromotionEvent, SmartPaymentAgreement, Village
from gridpay.data.models.rollout import AgreementMethod
from gridpay.demo.villages import TOWN, TOWN_CENTRE, Point, ScheduledVillage, village_centre

HOUSEHOLD_SPREAD_M = 380  # standard deviation of a household's distance from its village centre, each way


def household_location(village: ScheduledVillage, *, seed: int, serial: int) -> Point:
    # A stream of its own, so adding locations changed nothing else the seed makes.
    rng = random.Random(f"gridpay-demo:{seed}:location:{village.code}:{serial}")
    return village_centre(village).moved(
        north_m=rng.gauss(0, HOUSEHOLD_SPREAD_M), east_m=rng.gauss(0, HOUSEHOLD_SPREAD_M)
    )


def install_outlets(villages: list[ScheduledVillage]) -> int:
    centre = Point(*TOWN_CENTRE)
    # code, name, kind, where, hours, channels, village
    table: list[tuple[str, str, str, Point, str, str, str]] = [
        ("MT-HALL", "码头供电营业厅", "service_hall", centre, "08:00-17:30", "counter;wechat;alipay;card", ""),
        ("MT-KIOSK", "营业厅自助交费终端", "kiosk", centre.moved(north_m=15, east_m=10), "24h", "card;wechat", ""),
        ("MT-POST", "码头邮政支局", "post_office", centre.moved(north_m=-420, east_m=310), "08:30-17:00",
         "agent;bank_withholding", ""),
    ]
    for village in villages:
        spot = village_centre(village)
        if village.code % 3 != 0:
            table.append((f"SHOP-{village.code:02d}", f"{village.name}便民超市", "shop",
                          spot.moved(north_m=120, east_m=-80), "07:00-21:00", "agent", village.name))
        if village.code % 4 == 1:
            table.append((f"VSP-{village.code:02d}", f"{village.name}便民服务点", "village_service",
                          spot.moved(north_m=-200, east_m=150), "08:00-17:30", "agent", village.name))
    outlets = []
    for code, name, kind, where, hours, channels, village_name in table:
        latitude, longitude = where.decimals()
        outlets.append(OutletInput(
            code=code, name=name, kind=kind, latitude=str(latitude), longitude=str(longitude), village=village_name,
            town=TOWN if village_name else "", hours=hours, channels=tuple(channels.split(";")),
        ))
    return register_outlets(outlets=outlets)


def install_agreements(villages: list[ScheduledVillage], *, seed: int, at: datetime) -> int:
    """Every prepaid household signed its smart-payment agreement in its village's rollout month, one in five at
    home; each converted village had its introduction at the village committee a week before (the postpaid ones'
    months are still to come). Running it again adds nothing."""
    rng = random.Random(f"gridpay-demo:{seed}:agreements")
    by_name = {v.name: v for v in villages}
    signed = set(SmartPaymentAgreement.objects.values_list("account_id", flat=True))
    rows = []
    prepaid = Account.objects.filter(village__town=TOWN, mode=AccountMode.PREPAID)
    for account_id, village in prepaid.values_list("id", "village__name"):
        plan = by_name.get(village or "")
        if plan is None or account_id in signed:
            continue
        door = rng.random() < 0.2
        rows.append(SmartPaymentAgreement(
            account_id=account_id, signed_on=plan.rollout_month + timedelta(days=rng.randrange(7, 27)),
            method=AgreementMethod.DOOR_TO_DOOR if door else AgreementMethod.ON_SITE, staff_name=plan.grid_staff,
            recorded_at=at,
        ))
    SmartPaymentAgreement.objects.bulk_create(rows, batch_size=2_000)
    converted = set(prepaid.values_list("village__name", flat=True).order_by().distinct())
    for plan in villages:
        if plan.name not in converted:
            continue
        village_row = Village.objects.get(town=TOWN, name=plan.name)
        PromotionEvent.objects.get_or_create(
            village=village_row, day=plan.rollout_month, kind="村委会介绍智能交费",
            defaults={"attendees": rng.randrange(15, 60), "note": "供电所提前一周到村委会介绍"},
        )
    return len(rows)
