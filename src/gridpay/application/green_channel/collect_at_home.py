"""A collector records cash taken at a green-channel household's door (上门收费): credited at once, exactly once."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.db import IntegrityError, transaction

from gridpay.application.green_channel.flag_household import check_allowed
from gridpay.application.payments.record_payment import payable_account, record_payment
from gridpay.application.staff.acting_staff import ActingStaff
from gridpay.data.models import AuditRecord, HardshipFlag, HomeCollection
from gridpay.data.settings import gridpay_settings
from gridpay.domain.green_channel import NotFlagged, check_photo, collection_txn_id
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.staff_roles import Action
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.files.photos import store_photo


@dataclass(frozen=True)
class Photo:
    """An uploaded photo of the paper receipt, as the phone sent it."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class CollectionResult:
    account_no: str
    customer_name: str
    amount_fen: int
    receipt_no: str
    collector: str
    collected_at: datetime
    payment_id: int
    available_balance_fen: int
    photo: str  # its name under the photo directory; empty without one
    replayed: bool  # the same collection sent again: nothing credited


def collect_at_home(
    *, account_no: str, amount_fen: int, receipt_no: str, staff: ActingStaff, at: datetime, business_day: date,
    photo: Photo | None = None,
) -> CollectionResult:
    """The payment's identity is (home_collection, "collector/receipt number"): sent twice it credits once; the same
    receipt with another amount or account is a PaymentConflict. Only a household flagged in the green channel."""
    check_allowed(staff, Action.COLLECT_AT_HOME, gettext_noop("只有网格员（收费员）或班长可以登记上门收费"))
    txn_id = collection_txn_id(collector=staff.username, receipt_no=receipt_no)
    receipt_no = receipt_no.strip()
    suffix = _checked(photo) if photo is not None else ""  # a bad photo is refused before anything is written
    stored_photo = ""
    with transaction.atomic():
        first = HomeCollection.objects.filter(collector=staff.username, receipt_no=receipt_no).exists()
        if not first:
            # A replay is answered whatever became of the flag since; a new collection needs the flag in force.
            account = payable_account(account_no.strip())
            if not HardshipFlag.objects.filter(account_id=account.id, unflagged_at__isnull=True).exists():
                raise NotFlagged(
                    gettext_noop("户号 {account_no} 不在绿色通道，不能上门收费：请客户到营业厅或其他渠道交费，"
                                 "或先由班长、所长登记为绿色通道户"),
                    field="account_no", params={"account_no": account_no.strip()},
                )
        paid = record_payment(
            account_no=account_no, amount_fen=amount_fen, channel=PaymentChannel.HOME_COLLECTION.value,
            channel_txn_id=txn_id, received_at=at, business_day=business_day, payer=staff.actor,
        )
        # Written with the payment; also after a replay that finds the payment without it (recorded by hand through
        # `gridpay payments record` under this channel), so that every home collection is counted in.
        if not HomeCollection.objects.filter(payment_id=paid.payment_id).exists():
            if photo is not None:
                # Kept only for a collection being recorded (a replay keeps the first one's photo), within its
                # transaction: a refusal before this point leaves no file behind.
                stored_photo = store_photo(directory=Path(gridpay_settings().green_photo_dir), data=photo.data,
                                           suffix=suffix)
            try:
                with transaction.atomic():
                    HomeCollection.objects.create(
                        payment_id=paid.payment_id, account_id=payable_account(paid.account_no).id,
                        collector=staff.username, collector_name=staff.name[:100], receipt_no=receipt_no,
                        amount_fen=paid.amount_fen, collected_at=at, collected_on=business_day, photo=stored_photo,
                    )
                    AuditRecord.objects.create(
                        at=at, actor=staff.actor[:100], action="green.collect", target=f"payment:{paid.payment_id}",
                        new={"account_no": paid.account_no, "amount_fen": paid.amount_fen, "receipt_no": receipt_no,
                             "photo": stored_photo},
                    )
            except IntegrityError:
                pass  # a concurrent press of the same button wrote it
        collection = HomeCollection.objects.select_related("account__customer").get(payment_id=paid.payment_id)
        return CollectionResult(
            account_no=paid.account_no, customer_name=collection.account.customer.name, amount_fen=paid.amount_fen,
            receipt_no=collection.receipt_no, collector=collection.collector, collected_at=collection.collected_at,
            payment_id=paid.payment_id, available_balance_fen=paid.available_balance_fen, photo=collection.photo,
            replayed=paid.replayed,
        )


def _checked(photo: Photo) -> str:
    """The photo's file suffix once it is checked: a JPEG or PNG by its first bytes, within the configured size."""
    return check_photo(content_type=photo.content_type, size_bytes=len(photo.data),
                       max_bytes=gridpay_settings().green_photo_max_kb * 1024, head=photo.data[:8])
