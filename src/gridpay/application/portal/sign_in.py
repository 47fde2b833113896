"""SMS sign-in to the customer portal: a code to the account's phone, checked once, a few tries at most."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from gridpay.application.secret_key import require_secret_key
from gridpay.application.supply.sms_outbox import queue_sms
from gridpay.data.models import Account, Notification, SignInAttempt, SignInCode
from gridpay.data.queries.supply import account_contacts
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.portal_sign_in import (
    CODE_DIGITS,
    CODE_VALID,
    MAX_ATTEMPTS,
    PortalLimits,
    SignInLimited,
    SignInRefused,
    check_may_ask,
    check_may_send,
    code_digest,
    mask_phone,
)
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class CodeSent:
    phone_masked: str
    notification_id: int  # the outbox row to send now


LIMIT_WINDOW = timedelta(minutes=1)


def request_code(*, account_no: str, at: datetime, client_address: str, limits: PortalLimits) -> CodeSent:
    """A code to the account's first phone, within the limits: per client address and in total each minute (checked
    first, before the account is looked up), then per phone. Every request is recorded as a SignInAttempt, with
    what came of it: the code sent, refused, or which limit stopped it."""
    account_no = account_no.strip()
    try:
        with transaction.atomic():
            asked = SignInAttempt.objects.filter(client_address=client_address, at__gt=at - LIMIT_WINDOW).count()
            sent = SignInAttempt.objects.filter(outcome="sent", at__gt=at - LIMIT_WINDOW).count()
            check_may_ask(asked_from_address=asked, codes_sent=sent, limits=limits)
            code_sent = _send_code(account_no=account_no, at=at)
            _record(at=at, client_address=client_address, account_no=account_no, outcome="sent")
            return code_sent
    except SignInRefused as refused:  # rolled back whole; the attempt is recorded on its own
        limit = refused.limit if isinstance(refused, SignInLimited) else ""
        _record(at=at, client_address=client_address, account_no=account_no,
                outcome="limited" if limit else "refused", limit=limit)
        raise


def _record(*, at: datetime, client_address: str, account_no: str, outcome: str, limit: str = "") -> None:
    SignInAttempt.objects.create(at=at, client_address=client_address, account_no=account_no[:20], outcome=outcome,
                                 limit=limit)


def _send_code(*, account_no: str, at: datetime) -> CodeSent:
    """The same answer shape whether or not the account exists would leak nothing; a portal that cannot say
    "no such account" confuses people more than it protects them, so it says so (account numbers are printed
    on every bill)."""
    account_id = Account.objects.filter(account_no=account_no.strip(), status="active").values_list(
        "id", flat=True).first()
    if account_id is None:
        raise SignInRefused(gettext_noop("没有户号 {account_no}，请核对电费单上的户号"), field="account_no",
                            params={"account_no": account_no.strip()})
    phones = account_contacts(account_id=account_id).phones
    if not phones:
        raise SignInRefused(gettext_noop("这一户没有登记手机号，请到营业厅登记后再登录"), field="account_no")
    phone = phones[0]
    with transaction.atomic():
        sent_before = list(SignInCode.objects.select_for_update().filter(phone=phone).values_list(
            "created_at", flat=True))
        check_may_send(sent_before=sent_before, now=at)
        code = new_code()
        row = SignInCode.objects.create(phone=phone, account_no=account_no.strip(), created_at=at,
                                        expires_at=at + CODE_VALID, digest=code_digest(key=_key(), phone=phone,
                                                                                         code=code))
        queue_sms(key=f"sign_in:{row.id}", phones=[phone], kind="sign_in_code", params={"code": code},
                  account_id=account_id, policy=load_policy(), at=at, urgent=True)
        notification_id = Notification.objects.values_list("id", flat=True).get(key=f"sign_in:{row.id}:{phone}"[:120])
    return CodeSent(phone_masked=mask_phone(phone), notification_id=notification_id)


def check_code(*, account_no: str, code: str, at: datetime) -> str:
    """The phone signed in with, or SignInRefused; every wrong try counts, and a code is used once."""
    with transaction.atomic():
        row = (
            SignInCode.objects.select_for_update()
            .filter(account_no=account_no.strip(), used_at__isnull=True, expires_at__gt=at)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            raise SignInRefused(gettext_noop("验证码已过期或未获取，请重新获取"), field="code")
        if row.attempts >= MAX_ATTEMPTS:
            raise SignInRefused(gettext_noop("验证码输错次数过多，请重新获取"), field="code")
        if not hmac.compare_digest(row.digest, code_digest(key=_key(), phone=row.phone, code=code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - row.attempts
            wrong = SignInRefused(gettext_noop("验证码不正确，还可再试 {left} 次"), field="code", params={"left": left})
            if not left:
                wrong = SignInRefused(gettext_noop("验证码输错次数过多，请重新获取"), field="code")
        else:
            row.used_at = at
            row.save(update_fields=["used_at"])
            return row.phone
    raise wrong


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def _key() -> bytes:
    return hashlib.sha256(f"gridpay-portal:{require_secret_key()}".encode()).digest()
