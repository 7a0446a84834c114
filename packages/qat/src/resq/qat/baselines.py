"""Simple models fitted on the same windows as the network, to put its accuracy in context:
ridge regression and gradient-boosted trees on the flattened window (window × features
inputs), both from scikit-learn, their one hyper-parameter (ridge's penalty, the trees' rounds) chosen on the validation
split.
"""

from __future__ import annotations

import numpy as np
from resq.qat.evaluation import Metrics, metrics
from resq.spec.data import WindowedData
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

RIDGE_ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0)
"""Ridge penalties tried; the one with the least validation error is kept."""
TREE_ROUNDS = 300
"""Most boosting rounds; the number kept is the one of least validation error."""


def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1)


def ridge(data: WindowedData) -> tuple[Metrics, float]:
    """Test metrics of ridge regression on the flattened window, and the penalty kept."""
    best: tuple[float, Ridge] | None = None
    for alpha in RIDGE_ALPHAS:
        fitted = Ridge(alpha=alpha).fit(_flat(data.train.x), data.train.y.ravel())
        error = float(np.mean((fitted.predict(_flat(data.validation.x)) -
                               data.validation.y.ravel()) ** 2))  # fmt: skip
        if best is None or error < best[0]:
            best = (error, fitted)
    assert best is not None
    predicted = best[1].predict(_flat(data.test.x))[:, None]
    return metrics(predicted, data.test.y, data.target), float(best[1].alpha)


def boosted_trees(data: WindowedData, seed: int) -> tuple[Metrics, int]:
    """Test metrics of histogram gradient-boosted trees on the flattened window, fitted on
    the training split, with the number of rounds (≤ TREE_ROUNDS) of least validation
    error, and that number."""
    fitted = HistGradientBoostingRegressor(max_iter=TREE_ROUNDS, early_stopping=False,
                                           random_state=seed)  # fmt: skip
    fitted.fit(_flat(data.train.x), data.train.y.ravel())
    errors = [float(np.mean((p - data.validation.y.ravel()) ** 2))
              for p in fitted.staged_predict(_flat(data.validation.x))]  # fmt: skip
    rounds = int(np.argmin(errors)) + 1
    staged = fitted.staged_predict(_flat(data.test.x))
    predicted = next(p for k, p in enumerate(staged, 1) if k == rounds)[:, None]
    return metrics(predicted, data.test.y, data.target), rounds


def baselines(data: WindowedData, seed: int) -> dict[str, dict[str, float]]:
    """Test RMSE and MAE (target units) of each baseline, with its chosen hyper-parameter."""
    ridge_metrics, alpha = ridge(data)
    tree_metrics, rounds = boosted_trees(data, seed)
    return {"ridge": {"rmse": ridge_metrics.rmse, "mae": ridge_metrics.mae, "alpha": alpha},
            "boosted_trees": {"rmse": tree_metrics.rmse, "mae": tree_metrics.mae,
                              "rounds": float(rounds)}}  # fmt: skip
