"""Imports a bank's withholding result file: successes credited once, failures told to the customer by SMS."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.supply.sms_outbox import queue_sms
from gridpay.data.models import WithholdingBatch, WithholdingRequest
from gridpay.data.queries.supply import account_contacts
from gridpay.data.run_lock import exclusive_run
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.banks.withholding_files import ResultLine, WithholdingFileError, parse_result_file


@dataclass(frozen=True)
class ImportedResults:
    batch_no: str
    succeeded: int
    failed: int
    unchanged: int  # answered by an earlier import of the same results
    credited_fen: int
    sms_queued: int


def import_results(*, content: bytes, at: datetime, business_day: date) -> ImportedResults:
    """Imports a bank's result file while no other export or import of withholding runs."""
    with exclusive_run("withholding", what="银行代扣导出或回盘导入", at=at):
        return _import_results(content=content, at=at, business_day=business_day)


def _import_results(*, content: bytes, at: datetime, business_day: date) -> ImportedResults:
    """The whole file is checked against the batch before anything is written: a bad line changes nothing."""
    try:
        results = parse_result_file(content)
    except WithholdingFileError as error:
        raise InvalidInput(str(error), field="file") from None
    with transaction.atomic():
        batch = WithholdingBatch.objects.filter(batch_no=results.batch_no, bank_code=results.bank_code).first()
        if batch is None:
            raise InvalidInput(gettext_noop("没有银行 {bank_code} 的代扣批次 {batch_no}"), field="file",
                               params={"bank_code": results.bank_code, "batch_no": results.batch_no})
        requests = {
            r.id: r
            for r in WithholdingRequest.objects.select_for_update().filter(batch=batch).select_related(
                "agreement__account"
            )
        }
        todo = [_checked(line, requests) for line in results.lines]
        succeeded = failed = unchanged = credited = sms = 0
        policy = load_policy()
        for line, request in todo:
            if request.status != "exported":
                unchanged += 1
                continue
            request.result_code, request.result_message, request.finished_at = line.result_code, line.message, at
            if line.succeeded:
                paid = record_payment(
                    account_no=request.agreement.account.account_no, amount_fen=request.amount_fen,
                    channel=PaymentChannel.BANK_WITHHOLDING.value, channel_txn_id=line.bank_txn_id, received_at=at,
                    business_day=business_day, payer=f"银行代扣 {request.agreement.bank_code}",
                )
                request.status, request.bank_txn_id, request.payment_id = "succeeded", line.bank_txn_id, paid.payment_id
                succeeded += 1
                credited += request.amount_fen
            else:
                request.status = "failed"
                failed += 1
                contacts = account_contacts(account_id=request.agreement.account_id)
                sms += queue_sms(
                    key=f"withholding_failed:{request.id}", phones=contacts.phones, kind="withholding_failed",
                    params={"account_no": contacts.account_no, "amount_yuan": format_yuan(request.amount_fen),
                            "reason": line.message or line.result_code},
                    account_id=request.agreement.account_id, policy=policy, at=at,
                )
            request.save()
    return ImportedResults(results.batch_no, succeeded, failed, unchanged, credited, sms)


def _checked(line: ResultLine, requests: dict[int, WithholdingRequest]) -> tuple[ResultLine, WithholdingRequest]:
    request = requests.get(line.request_id)
    if request is None:
        raise InvalidInput(gettext_noop("第 {line} 行：请求号 {request_id} 不在这个批次里"), field="file",
                           params={"line": line.line_no, "request_id": line.request_id})
    if line.amount_fen != request.amount_fen:
        raise InvalidInput(
            gettext_noop("第 {line} 行：金额 {result_fen} 分与请求的 {requested_fen} 分不符"), field="file",
            params={"line": line.line_no, "result_fen": line.amount_fen, "requested_fen": request.amount_fen},
        )
    if request.status in ("succeeded", "failed"):
        earlier = "succeeded" if line.succeeded else "failed"
        if request.status != earlier or (line.succeeded and request.bank_txn_id != line.bank_txn_id):
            raise InvalidInput(
                gettext_noop("第 {line} 行：请求 {request_id} 此前已有不同的结果（{status}）"), field="file",
                params={"line": line.line_no, "request_id": request.id, "status": request.status},
            )
    return line, request
