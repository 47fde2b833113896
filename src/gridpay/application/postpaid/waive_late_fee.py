"""Waives a bill's late fee (违约金减免): the station head alone, with a reason, an audit record and a transfer."""

from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotAllowed
from gridpay.application.postpaid.respond_to_cleared_arrears import respond_to_cleared_arrears
from gridpay.application.postpaid.show_bill import NoSuchBill, PostpaidBillView, view_of
from gridpay.data import ledger as ledger_store
from gridpay.data import postpaid_store as store
from gridpay.data.models import AuditRecord, LateFeeWaiver, PostpaidBill
from gridpay.domain.errors import DomainError
from gridpay.domain.ledger import Transfer, TransferKind
from gridpay.domain.money import format_yuan
from gridpay.domain.postpaid_bills import paid_off
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


class WaiverRefused(DomainError):
    code = "waiver_refused"


def waive_late_fee(
    *, bill_no: str, amount_fen: int | None, reason: str, actor: str, roles: set[Role], at: datetime,
    business_day: date,
) -> PostpaidBillView:
    """Waives ``amount_fen`` of the late fee charged and unpaid on the bill (all of it when None)."""
    if not may(roles, Action.WAIVE_LATE_FEE):
        raise NotAllowed(gettext_noop("只有所长可以减免违约金"), field="as")
    reason = reason.strip()
    if len(reason) < 4:
        raise InvalidInput(gettext_noop("减免违约金必须写明原因"), field="reason")
    with transaction.atomic():
        account_id = PostpaidBill.objects.filter(bill_no=bill_no.strip()).values_list("account_id", flat=True).first()
        if account_id is None:
            raise NoSuchBill(gettext_noop("没有电费单 {bill_no}"), field="bill", params={"bill_no": bill_no})
        store.lock_accounts([account_id])
        bill = PostpaidBill.objects.select_related("account").get(bill_no=bill_no.strip())
        owed = bill.late_fee_fen - bill.late_fee_paid_fen - bill.late_fee_waived_fen
        amount = owed if amount_fen is None else amount_fen
        if owed <= 0:
            raise WaiverRefused(gettext_noop("电费单 {bill_no} 没有未交的违约金"), field="bill",
                                params={"bill_no": bill.bill_no})
        if not 0 < amount <= owed:
            raise WaiverRefused(gettext_noop("减免金额应大于 0、不超过未交违约金 {owed} 元"), field="amount",
                                params={"owed": format_yuan(owed)})
        old = {"late_fee_waived_fen": bill.late_fee_waived_fen}
        (transfer,) = ledger_store.post(
            [Transfer(debit=store.late_fee_income_account().id, credit=store.receivable_id(bill.account),
                      amount_fen=amount, kind=TransferKind.LATE_FEE_WAIVER)],
            business_day=business_day, at=at,
        )
        waiver = LateFeeWaiver.objects.create(bill=bill, amount_fen=amount, reason=reason[:200], by=actor[:100], at=at,
                                              business_day=business_day, transfer=transfer)
        bill.late_fee_waived_fen += amount
        if paid_off(amount_fen=bill.amount_fen, principal_paid_fen=bill.principal_paid_fen,
                    late_fee_fen=bill.late_fee_fen, late_fee_paid_fen=bill.late_fee_paid_fen,
                    late_fee_waived_fen=bill.late_fee_waived_fen):
            bill.paid_off_on = business_day
        bill.save(update_fields=["late_fee_waived_fen", "paid_off_on"])
        # The waiver may have cleared the arrears: the case closes, or its reconnection ticket is raised, as on a
        # payment.
        respond_to_cleared_arrears(account_id=account_id, business_day=business_day, at=at)
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="postpaid.waive_late_fee", target=f"late_fee_waiver:{waiver.id}",
            old=old, new={"late_fee_waived_fen": bill.late_fee_waived_fen, "bill_no": bill.bill_no,
                          "amount_fen": amount}, note=reason[:500],
        )
        return view_of(bill)
