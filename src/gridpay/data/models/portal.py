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
