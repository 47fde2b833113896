"""The backtest: train on the first part of a town's history, score the rest, against the obvious rule."""

from dataclasses import dataclass

from gridpay.application.risk.model import Figures, figures, rows, train
from gridpay.domain.risk_features import HORIZON_DAYS, DailySeries, obvious_rule

WARM_UP_DAYS = 30  # the first days have no history to speak of: no rows are scored on them
EVERY_DAYS = 4  # one scoring day in this many, for training and testing alike


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
    split = int(series.days * train_share)
    training = rows(series=series, days=range(WARM_UP_DAYS, split - HORIZON_DAYS, EVERY_DAYS))
    testing = rows(series=series, days=range(split, series.days - HORIZON_DAYS, EVERY_DAYS))
    if not len(training.labels) or not len(testing.labels):
        raise ValueError(f"a history of {series.days} days is too short for a backtest")
    model = train(training, seed=seed)
    return Backtest(
        training_rows=len(training.labels), training_positive=int(training.labels.sum()),
        testing_rows=len(testing.labels), testing_positive=int(testing.labels.sum()),
        model=figures(scores=model.score(testing.features), testing=testing, seed=seed),
        rule=figures(scores=obvious_rule(testing.features), testing=testing, seed=seed),
    )
