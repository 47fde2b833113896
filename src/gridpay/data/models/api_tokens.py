"""Staff API tokens: only a SHA-256 hash of each token is kept; a revoked token stays as a record."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    name = models.CharField("名称", max_length=100)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The member of staff the token acts for, if any: their roles, read at each request, are the token's (a
    # supervisor's token may record a payment received before the API's window). None: a system's token, no role.
    # The payment channels it may record (comma-separated codes, domain.payments.TOKEN_CHANNELS); empty: none.
    channels = models.CharField("可记录的交费渠道", max_length=100, blank=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="工作人员")

    class Meta:
        verbose_name = "接口令牌"
        constraints = [
            # A name says whose token it is, so two live tokens never share one.
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(revoked_at__isnull=True), name="api_token_live_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name
