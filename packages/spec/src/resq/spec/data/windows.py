"""Cut a data set into scaled, split windows.

A window is `window` consecutive rows (`step_hours` apart, no gap) of one file; its target
is the target column `horizon` rows after the window's last row (0 = at the last row, as
AirU). A window with a missing feature or target is dropped. MinMax scaling is fitted on
the training windows' rows only. Windows never cross a file boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from resq.spec.data.files import DataError, locate_files, sha256_file
from resq.spec.data.table import Table, read_table
from resq.spec.dataset import DatasetSpec, DateSplit
from resq.spec.manifest import DatasetManifest


@dataclass(frozen=True)
class MinMax:
    """x_scaled = (x − low) / (high − low), per column; fitted on training rows only."""

    low: np.ndarray
    high: np.ndarray

    def apply(self, values: np.ndarray) -> np.ndarray:
        scaled: np.ndarray = (values - self.low) / (self.high - self.low)
        return scaled

    def invert(self, values: np.ndarray) -> np.ndarray:
        restored: np.ndarray = values * (self.high - self.low) + self.low
        return restored


@dataclass(frozen=True)
class Split:
    """Scaled windows of one split: x (n, window, features) and y (n, 1), float32."""

    x: np.ndarray
    y: np.ndarray
    end_times: np.ndarray


@dataclass(frozen=True)
class WindowedData:
    """Train, validation and test windows with the scalers that produced them."""

    train: Split
    validation: Split
    test: Split
    features: MinMax
    target: MinMax

    def target_in_units(self, scaled: np.ndarray) -> np.ndarray:
        """Predictions or labels back in the target's original units (e.g. µg/m³)."""
        return self.target.invert(scaled)


def _label_mask(target: np.ndarray, spec: DatasetSpec) -> np.ndarray:
    """True where a target value is trustworthy (not stuck, not a spike)."""
    median = float(np.nanmedian(target))
    good = np.ones(len(target), dtype=bool)
    run_start = 0
    for i in range(1, len(target) + 1):
        if i == len(target) or target[i] != target[run_start] or np.isnan(target[i]):
            if i - run_start >= spec.label_filter.stuck_hours and not np.isnan(target[run_start]):
                good[run_start:i] = False
            run_start = i
    spike = target > spec.label_filter.spike_factor * median
    return good & ~spike


def _gaps(table: Table, spec: DatasetSpec) -> str:
    """The share of rows without a value in each feature and target column, emptiest first:
    a window needs every feature at every row and the target."""
    columns = list(dict.fromkeys([*spec.features, spec.target]))
    empty = {c: float(np.isnan(table.values[c]).mean()) for c in columns}
    shown = [f"{column!r} {100 * share:.0f} % empty" for column, share in
             sorted(empty.items(), key=lambda item: -item[1]) if share > 0]  # fmt: skip
    return "; ".join(shown[:4]) or "no gaps: the rows are not contiguous in time"


def _file_windows(
    path: Path, manifest: DatasetManifest, spec: DatasetSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = read_table(path, manifest, spec)
    times = table.times
    order = np.argsort(times, kind="stable")
    times = times[order]
    features = table.matrix(list(spec.features))[order]
    target = table.values[spec.target][order]
    step = np.timedelta64(int(spec.step_hours * 3600), "s")
    n, w, h = len(times), spec.window, spec.horizon
    last = np.arange(w - 1, n - h)
    first = last - (w - 1)
    contiguous = (times[last] - times[first]) == step * (w - 1)
    contiguous &= (times[last + h] - times[last]) == step * h
    ok_rows = ~np.isnan(features).any(axis=1)
    bad_prefix = np.concatenate([[0], np.cumsum(~ok_rows)])
    complete = (bad_prefix[last + 1] - bad_prefix[first]) == 0
    label = target[last + h]
    keep = contiguous & complete & ~np.isnan(label)
    if spec.label_filter.enabled:
        keep &= _label_mask(target, spec)[last + h]
    idx = last[keep]
    if not len(idx):
        raise DataError(f"{path}: no complete window of {w} rows ({_gaps(table, spec)})")
    x = (
        np.stack([features[i - w + 1 : i + 1] for i in idx])
        if len(idx)
        else np.empty((0, w, len(spec.features)))
    )
    return x, target[idx + h], times[idx]


def _split_masks(times: np.ndarray, spec: DatasetSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    split = spec.split
    if isinstance(split, DateSplit):
        train_end = np.datetime64(split.train_end) + np.timedelta64(1, "D")
        validation_end = np.datetime64(split.validation_end) + np.timedelta64(1, "D")
        train = times < train_end
        validation = (times >= train_end) & (times < validation_end)
        return train, validation, times >= validation_end
    order = np.argsort(times, kind="stable")
    rank = np.empty(len(times), dtype=np.int64)
    rank[order] = np.arange(len(times))
    n_train = int(len(times) * split.train)
    n_validation = int(len(times) * split.validation)
    return (
        rank < n_train,
        (rank >= n_train) & (rank < n_train + n_validation),
        rank >= n_train + n_validation,
    )


def file_digests(spec: DatasetSpec, manifest: DatasetManifest) -> dict[str, str]:
    """File name → SHA-256 of each data file the spec reads (for the run manifest)."""
    names = list(spec.files)
    return {name: sha256_file(path)
            for name, path in zip(names, locate_files(manifest, names), strict=True)}  # fmt: skip


def load_windows(spec: DatasetSpec, manifest: DatasetManifest) -> WindowedData:
    """Read the spec's files and return scaled train/validation/test windows."""
    xs, ys, ts = [], [], []
    for path in locate_files(manifest, list(spec.files)):
        x, y, t = _file_windows(path, manifest, spec)
        xs.append(x)
        ys.append(y)
        ts.append(t)
    x, y, t = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    train, validation, test = _split_masks(t, spec)
    for name, mask in (("training", train), ("validation", validation), ("test", test)):
        if not mask.any():
            raise DataError(f"the {name} split of {', '.join(spec.files)} has no complete window")
    if spec.max_windows is not None:
        train &= np.cumsum(train) <= spec.max_windows
    flat = x[train].reshape(-1, x.shape[-1])
    features = MinMax(flat.min(axis=0), np.maximum(flat.max(axis=0), flat.min(axis=0) + 1e-9))
    target = MinMax(
        np.array([y[train].min()]), np.array([max(y[train].max(), y[train].min() + 1e-9)])
    )

    def make(mask: np.ndarray) -> Split:
        return Split(
            x=features.apply(x[mask]).astype(np.float32),
            y=target.apply(y[mask][:, None]).astype(np.float32),
            end_times=t[mask],
        )

    return WindowedData(make(train), make(validation), make(test), features, target)
