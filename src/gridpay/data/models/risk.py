"""Fee-risk scores (电费风险预警): each active account's score of a business day, its rank and reasons (ADR 0023)."""

from django.db import models

from gridpay.data.models.accounts import Account


class RiskScore(models.Model):
    """The chance, as the model puts it, that the account falls into arrears in the 14 days after ``day``.

    One row per account and day, written by the nightly scoring (a rerun replaces the day's rows). ``rank`` is the
    account's place in the whole town that day, 1 the highest; ``reasons`` are domain.risk_features.Reason values
    ({code, n, m}), turned into words when shown."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="risk_scores")
    day = models.DateField("业务日")
    score = models.FloatField("风险分")  # a probability, not money
    rank = models.PositiveIntegerField("排名")
    reasons = models.JSONField("原因", default=list)
    by_model = models.BooleanField("模型评分", default=True)  # False: too little history yet, the rule ordered them
    scored_at = models.DateTimeField()

    class Meta:
        verbose_name = "电费风险评分"
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="risk_score_once_a_day")]
        indexes = [models.Index(fields=["day", "rank"], name="risk_score_day_rank")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.score:.3f}"
