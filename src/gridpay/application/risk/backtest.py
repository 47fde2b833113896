"""The backtest: train on the first part of a town's history, score the rest, against the obvious rule."""

from dataclasses import dataclass

from gridpay.application.risk.model import Figures, figures, rows, train
from gridpay.domain.errors import DomainError
from gridpay.domain.risk_features import HORIZON_DAYS, DailySeries, obvious_rule
from gridpay.domain.texts import gettext_noop

LEAST_HOUSEHOLDS = 100  # fewer give a handful of accounts in arrears: neither figure would mean anything
WARM_UP_DAYS = 30  # the first days have no history to speak of: no rows are scored on them
EVERY_DAYS = 4  # one scoring day in this many, for training and testing alike


class HistoryTooShort(DomainError):
    code = "risk_history_too_short"


@dataclass(frozen=True)
class Backtest:
    training_rows: int
    training_positive: int
    testing_rows: int
    testing_positive: int
    model: Figures
    rule: Figures


def backtest(*, series: DailySeries, train_share: float = 0.6, seed: int = 0) -> Backtest:
    """Rows of the days before the split (their 14 following days before it too) train; the days after it test."""
    if len(series.postpaid) < LEAST_HOUSEHOLDS:
        raise HistoryTooShort(gettext_noop("{households} 户太少，无法回测（至少 {least} 户）"), field="households",
                              params={"households": len(series.postpaid), "least": LEAST_HOUSEHOLDS})
    split = int(series.days * train_share)
    training = rows(series=series, days=range(WARM_UP_DAYS, split - HORIZON_DAYS, EVERY_DAYS))
    testing = rows(series=series, days=range(split, series.days - HORIZON_DAYS, EVERY_DAYS))
    if not len(training.labels) or not len(testing.labels):
        raise HistoryTooShort(gettext_noop("{days} 天的历史太短，无法回测（至少约 {least} 天）"), field="days",
                              params={"days": series.days, "least": least_days(train_share)})
    model = train(training, seed=seed)
    return Backtest(
        training_rows=len(training.labels), training_positive=int(training.labels.sum()),
        testing_rows=len(testing.labels), testing_positive=int(testing.labels.sum()),
        model=figures(scores=model.score(testing.features), testing=testing, seed=seed),
        rule=figures(scores=obvious_rule(testing.features), testing=testing, seed=seed),
    )


def least_days(train_share: float) -> int:
    """The shortest history with a training day and a testing day, for the refusal's words."""
    days = WARM_UP_DAYS + HORIZON_DAYS + 1
    while not (int(days * train_share) - HORIZON_DAYS > WARM_UP_DAYS and days - HORIZON_DAYS > int(days * train_share)):
        days += 1
    return days
