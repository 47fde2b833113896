"""Staff API tokens: only a SHA-256 hash of each token is kept; a revoked token stays as a record."""

from django.db import models


class ApiToken(models.Model):
    name = models.CharField("名称", max_length=100)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

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
