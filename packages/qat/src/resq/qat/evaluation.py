"""Accuracy in the target's original units (after inverse MinMax scaling)."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict
from resq.spec.data import MinMax


class Metrics(BaseModel):
    """Root-mean-square and mean absolute error, in the target's units (e.g. µg/m³)."""

    model_config = ConfigDict(frozen=True)

    rmse: float
    mae: float
    windows: int


def metrics(predicted: np.ndarray, expected: np.ndarray, target: MinMax) -> Metrics:
    """Metrics of scaled predictions against scaled targets, both (windows, n_outputs)."""
    error = target.invert(predicted) - target.invert(expected)
    return Metrics(
        rmse=float(np.sqrt(np.mean(error**2))),
        mae=float(np.mean(np.abs(error))),
        windows=len(expected),
    )
