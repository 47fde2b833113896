"""The warning's model: scikit-learn's gradient-boosted trees, trained on a town's own past (ADR 0023).

Training rows are (account, day) pairs of the past whose 14 following days are known; the features are
``domain.risk_features.features_at`` of that day, the label whether the account fell into arrears in those days.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from gridpay.domain.risk_features import (
    FEATURES,
    HORIZON_DAYS,
    DailySeries,
    falls_into_arrears,
    features_at,
    obvious_rule,
    rule_days_left,
    scored,
)

# The trees are grown on one thread: the nightly scoring shares its machine (web workers, the gateway, the demo's own
# work), and OpenMP threads waiting for a busy core spin: on two loaded cores a fit of 4 s took two minutes, on one
# thread it stays 4 s. A town's rows fit in seconds on one thread.
THREADS = 1
MIN_EACH_CLASS = 20  # fewer positive (or negative) rows than this: no model, the rule's ordering is used
TOP_SHARE = 0.10  # "precision among the top 10 %": of the accounts a staff member would call first


@dataclass(frozen=True)
class Rows:
    features: NDArray[np.float64]
    labels: NDArray[np.bool_]
    day_of_row: NDArray[np.int32]  # day index each row was scored on


def rows(*, series: DailySeries, days: Iterable[int], horizon: int = HORIZON_DAYS) -> Rows:
    """The (account, day) rows of ``days``: the accounts not in arrears that day, their features and labels."""
    parts, labels, day_of = [], [], []
    for at in days:
        keep = scored(series=series, at=at)
        parts.append(features_at(series=series, at=at)[keep])
        labels.append(falls_into_arrears(series=series, at=at, horizon=horizon)[keep])
        day_of.append(np.full(int(keep.sum()), at, dtype=np.int32))
    if not parts:
        return Rows(np.zeros((0, len(FEATURES))), np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int32))
    return Rows(np.concatenate(parts), np.concatenate(labels), np.concatenate(day_of))


@dataclass
class RiskModel:
    classifier: HistGradientBoostingClassifier | None  # None: too little history, the obvious rule ranks

    def score(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """A probability-like score per row: the model's, or without one the rule's with days left breaking ties."""
        if self.classifier is None:
            return fallback_score(features)
        with threadpool_limits(limits=THREADS, user_api="openmp"):
            return np.asarray(self.classifier.predict_proba(features)[:, 1], dtype=np.float64)


def fallback_score(features: NDArray[np.float64]) -> NDArray[np.float64]:
    """The rule's flag first, then fewer days left (a postpaid account's: to its due date) higher."""
    return 0.5 * obvious_rule(features) + 0.5 / (1.0 + np.maximum(rule_days_left(features), 0.0))


def train(training: Rows, *, seed: int = 0) -> RiskModel:
    positives = int(training.labels.sum())
    if positives < MIN_EACH_CLASS or len(training.labels) - positives < MIN_EACH_CLASS:
        return RiskModel(classifier=None)
    classifier = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=40, l2_regularization=1.0,
        early_stopping=False, random_state=seed,
    )
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        classifier.fit(training.features, training.labels)
    return RiskModel(classifier=classifier)


@dataclass(frozen=True)
class Figures:
    auc: float
    precision_top: float  # mean over the scored days of the share of true warnings among each day's top 10 %


def figures(*, scores: NDArray[np.float64], testing: Rows, seed: int = 0) -> Figures:
    """ROC AUC over all rows, and precision among each day's top 10 % (ties broken at random, seeded)."""
    rng = np.random.default_rng(seed)
    tie_break = rng.random(len(scores))
    precisions = []
    for at in np.unique(testing.day_of_row):
        mine = np.flatnonzero(testing.day_of_row == at)
        top = max(1, int(len(mine) * TOP_SHARE))
        order = np.lexsort((tie_break[mine], -scores[mine]))[:top]
        precisions.append(float(testing.labels[mine][order].mean()))
    both = len(np.unique(testing.labels)) == 2
    auc = float(roc_auc_score(testing.labels, scores)) if both else float("nan")
    return Figures(auc=auc, precision_top=float(np.mean(precisions)) if precisions else float("nan"))
