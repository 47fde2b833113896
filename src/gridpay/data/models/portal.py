"""Sign-in codes of the customer portal: only their digests are kept."""

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
