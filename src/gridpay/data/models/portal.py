"""Sign-in records: the customer portal's codes (only their digests are kept) and every request for one, and the staff
console's failed sign-ins."""

from django.db import models


class SignInCode(models.Model):
    phone = models.CharField(max_length=30)
    account_no = models.CharField(max_length=20)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登录验证码"
        indexes = [models.Index(fields=["phone", "created_at"], name="sign_in_code_phone")]


class StaffSignInFailure(models.Model):
    """A failed sign-in to the staff console: the login name tried and the address it came from (issue 20)."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "工作台登录失败"
        indexes = [
            models.Index(fields=["username", "at"], name="staff_sign_in_failure_login"),
            models.Index(fields=["address", "at"], name="staff_sign_in_failure_from"),
        ]


class SignInAttempt(models.Model):
    """A request for a sign-in code, whatever came of it: what the portal's limits count (per client address, codes
    sent in total) and what staff read after an abuse."""

    at = models.DateTimeField()
    client_address = models.CharField("网络地址", max_length=64)
    account_no = models.CharField("输入的户号", max_length=20)  # as typed, cut to the column
    outcome = models.CharField("结果", max_length=10)  # sent, refused (no such account, no phone) or limited
    limit = models.CharField("触发的限制", max_length=10, blank=True)  # domain.portal_sign_in.SignInLimit, if limited

    class Meta:
        verbose_name = "验证码请求"
        indexes = [
            models.Index(fields=["client_address", "at"], name="sign_in_attempt_address"),
            models.Index(fields=["outcome", "at"], name="sign_in_attempt_outcome"),
        ]
