"""The nightly fee-risk scoring: train on the town's own past, score every active account not in arrears (ADR 0023)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction

from gridpay.application.errors import InvalidInput
from gridpay.application.risk.model import rows, train
from gridpay.data.models import RiskScore
from gridpay.data.queries import risk as queries
from gridpay.data.settings import gridpay_settings
from gridpay.domain.risk_features import HORIZON_DAYS, LOOKBACK_DAYS, features_at, reasons, scored
from gridpay.domain.texts import gettext_noop

TRAINING_DAYS = 180  # scoring days of the past that train the model: half a year, so every season is near
EVERY_DAYS = 3  # one training day in this many
WARM_UP_DAYS = 14  # no training day this close to the start of the history: its features would know too little


@dataclass(frozen=True)
class ScoreReport:
    day: date
    scored: int
    in_arrears: int  # not scored: they are on the arrears list already
    by_model: bool  # False: too little history to train on, the obvious rule ordered the accounts
    training_rows: int
    training_positive: int


def score_accounts(*, day: date, at: datetime) -> ScoreReport:
    """Scores of ``day`` (its settlement done), replacing any earlier run's for that day; one transaction."""
    if queries.prepaid_accounts_exist() and not queries.day_settled(day):
        # A prepaid balance of a day not yet settled is not the day's: the scores would read yesterday as today.
        raise InvalidInput(gettext_noop("{day} 尚未结算：先结算（gridpay settle）再评分"), field="date",
                           params={"day": day.isoformat()})
    ids = queries.active_account_ids()
    start = queries.first_activity_day() or day
    first_day = max(start, day - timedelta(days=LOOKBACK_DAYS + TRAINING_DAYS + HORIZON_DAYS))
    first_day = min(first_day, day)
    series = queries.daily_series(account_ids=ids, first_day=first_day, last_day=day,
                                  zone=gridpay_settings().business_time_zone)
    today = series.day_index(day)
    training_days = range(max(WARM_UP_DAYS, today - HORIZON_DAYS - TRAINING_DAYS), today - HORIZON_DAYS + 1,
                          EVERY_DAYS)
    training = rows(series=series, days=training_days)
    model = train(training)
    features = features_at(series=series, at=today)
    keep = scored(series=series, at=today)
    score = model.score(features[keep]) if keep.any() else features[:0, 0]
    kept_ids = [account_id for account_id, k in zip(ids, keep, strict=True) if k]
    order = sorted(range(len(kept_ids)), key=lambda i: (-score[i], kept_ids[i]))
    kept_rows = features[keep]
    results = [
        RiskScore(account_id=kept_ids[i], day=day, score=float(score[i]), rank=place,
                  reasons=[r.as_json() for r in reasons(kept_rows[i])], by_model=model.classifier is not None,
                  scored_at=at)
        for place, i in enumerate(order, start=1)
    ]
    with transaction.atomic():
        queries.replace_scores(day=day, scores=results)
    return ScoreReport(day=day, scored=len(results), in_arrears=len(ids) - len(results),
                       by_model=model.classifier is not None, training_rows=len(training.labels),
                       training_positive=int(training.labels.sum()))
