"""Load a data set from its manifest and cut it into scaled, split windows.

A window is `window` consecutive rows (`step_hours` apart, no gap) of one file; its target
is the target column `horizon` rows after the window's last row (0 = at the last row, as
AirU). A window with a missing feature or target is dropped. MinMax scaling is fitted on
the training windows' rows only. Windows never cross a file boundary.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import lzma
import os
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from resq.spec import DatasetManifest, ResqError
from resq.spec.dataset import DatasetSpec, DateSplit
from resq.spec.manifest import Download
from resq.spec.spec import LoadedSpec

log = logging.getLogger(__name__)

DATA_HOME_ENV = "RESQ_DATA_HOME"


class DataError(ResqError):
    """A data file is missing, unreadable, or yields no usable windows."""


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


def cache_dir(manifest: DatasetManifest) -> Path:
    """~/.cache/resq/datasets/<manifest>: where downloads go."""
    return Path.home() / ".cache" / "resq" / "datasets" / manifest.name


def data_dirs(manifest: DatasetManifest) -> list[Path]:
    """Where the data set's files are looked for, in order: $RESQ_DATA_HOME/<manifest> when
    RESQ_DATA_HOME is set, then the cache."""
    home = os.environ.get(DATA_HOME_ENV)
    return [*([Path(home) / manifest.name] if home else []), cache_dir(manifest)]


def embedded_copy(manifest: DatasetManifest, name: str) -> Path | None:
    """The compressed copy of file `name` shipped beside the manifest, None without one."""
    entry = next((f for f in manifest.files if f.name == name), None)
    if entry is None or entry.embedded is None or manifest.folder is None:
        return None
    path = manifest.folder / manifest.name / entry.embedded
    return path if path.is_file() else None


def find_file(manifest: DatasetManifest, name: str) -> Path | None:
    """Data file `name`: from $RESQ_DATA_HOME, else the cache, else the copy shipped with
    the manifest; None when it is in none of them (it may still be downloaded)."""
    for folder in data_dirs(manifest):
        if (folder / name).is_file():
            return folder / name
    return embedded_copy(manifest, name)


def sha256_file(path: Path) -> str:
    """The SHA-256 (hex) of the content of the file at `path` (decompressed, for .xz), read
    in 1 MiB blocks."""
    digest = hashlib.sha256()
    with lzma.open(path, "rb") if path.suffix == ".xz" else open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extract(archive: bytes, wanted: set[str], folder: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(archive)) as outer:
        for member in outer.namelist():
            name = Path(member).name
            if name in wanted:
                tmp = folder / f".{name}.part"
                tmp.write_bytes(outer.read(member))
                tmp.replace(folder / name)
            elif name.endswith(".zip"):
                _extract(outer.read(member), wanted, folder)


def _download(
    manifest: DatasetManifest, download: Download, folder: Path, missing: list[str]
) -> None:
    from rich.progress import Progress

    url = download.url
    folder.mkdir(parents=True, exist_ok=True)
    chunks = []
    try:
        with urllib.request.urlopen(url, timeout=60) as response, Progress() as progress:
            total = int(response.headers.get("Content-Length") or 0) or None
            task = progress.add_task(f"downloading {manifest.name}", total=total)
            for block in iter(lambda: response.read(1 << 16), b""):
                chunks.append(block)
                progress.update(task, advance=len(block))
    except OSError as e:
        raise DataError(
            f"data files {', '.join(missing)} are not in {folder} and the download from {url} "
            f"failed ({e}). {manifest.obtain}"
        ) from e
    archive = b"".join(chunks)
    if download.sha256 and hashlib.sha256(archive).hexdigest() != download.sha256:
        raise DataError(f"download from {url} does not match its sha256 in the manifest")
    _extract(archive, set(missing), folder)


def unobtainable(manifest: DatasetManifest, names: list[str]) -> str | None:
    """Why the named files cannot be had (absent, and the manifest has no download), with
    how to get them and the columns they must hold; None when they are there or can be
    downloaded."""
    missing = [name for name in names if find_file(manifest, name) is None]
    if not missing or manifest.download is not None:
        return None
    looked = " nor in ".join(str(folder) for folder in data_dirs(manifest))
    return (f"data file(s) {', '.join(missing)} of dataset {manifest.name!r} not found in "
            f"{looked}. {manifest.obtain} Columns: {', '.join(manifest.columns)}. Published at "
            f"{manifest.url}.")  # fmt: skip


def locate_files(manifest: DatasetManifest, names: list[str]) -> list[Path]:
    """Paths of the named files (`find_file`), downloading the missing ones once into the
    cache when the manifest allows it.

    Each file with a sha256 in the manifest is checked; a mismatch is an error.
    """
    missing = [name for name in names if find_file(manifest, name) is None]
    absent = unobtainable(manifest, names)
    if absent is not None:
        raise DataError(absent)
    if missing and manifest.download is not None:
        _download(manifest, manifest.download, cache_dir(manifest), missing)
    expected = {f.name: f.sha256 for f in manifest.files}
    paths = []
    for name in names:
        path = find_file(manifest, name)
        if path is None:
            raise DataError(f"{name} is not in the archive of dataset {manifest.name!r}")
        if expected.get(name) and sha256_file(path) != expected[name]:
            raise DataError(f"{path} does not match its sha256 in datasets/{manifest.name}.yaml")
        paths.append(path)
    return paths


SENTINELS = (-200.0, -999.0, -9999.0)
"""Values data sets commonly write for a gap; seen in a column, they are probably not data."""


@dataclass(frozen=True)
class Table:
    """The columns a spec reads from one data file: numbers (NaN for gaps) and timestamps."""

    times: np.ndarray
    values: pd.DataFrame


def _where(path: Path, frame: pd.DataFrame, header: list[str], column: str, row: int) -> str:
    """`FILE:LINE:COL` of a data cell: line counts the header as 1, col the columns from 1."""
    return f"{path}:{int(frame.index[row]) + 2}:{header.index(column) + 1}"


def _numbers(path: Path, frame: pd.DataFrame, header: list[str], column: str,
             manifest: DatasetManifest) -> pd.Series:  # fmt: skip
    text = frame[column]
    if manifest.layout.decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text.str.strip(), errors="coerce")
    bad = np.flatnonzero((text.notna() & values.isna()).to_numpy())
    if len(bad):
        raw = frame[column].iloc[bad[0]]
        gaps = ", ".join(repr(v) for v in manifest.na_values) or "none"
        raise DataError(f"{_where(path, frame, header, column, bad[0])}: column {column!r}: "
                        f"{raw!r} is not a number (decimal mark "
                        f"{manifest.layout.decimal!r}; gaps, na_values: {gaps}); "
                        f"{len(bad)} such cell(s)")  # fmt: skip
    return values


def _timestamps(path: Path, frame: pd.DataFrame, header: list[str], columns: list[str],
                manifest: DatasetManifest) -> np.ndarray:  # fmt: skip
    """One datetime column (ISO 8601 unless layout.time_format), a date and a time column
    joined by a space (layout.time_format), or four columns of year, month, day, hour."""
    form = manifest.layout.time_format
    if len(columns) == 4:
        parts = {key: _numbers(path, frame, header, col, manifest)
                 for key, col in zip(("year", "month", "day", "hour"), columns, strict=True)}  # fmt: skip
        text = frame[columns[0]]
        times = pd.to_datetime(pd.DataFrame(parts), errors="coerce")
    elif len(columns) in (1, 2) and (len(columns) == 1 or form is not None):
        text = frame[columns[0]].str.strip()
        if len(columns) == 2:
            text = text + " " + frame[columns[1]].str.strip()
        times = pd.to_datetime(text, format=form or "ISO8601", errors="coerce")
    else:
        raise DataError(f"{path}: time_columns {columns}: one datetime column, a date and a "
                        "time column with layout.time_format, or year, month, day, hour")  # fmt: skip
    bad = np.flatnonzero(times.isna().to_numpy())
    if len(bad):
        expected = form or ("year, month, day, hour" if len(columns) == 4 else "ISO 8601")
        raise DataError(f"{_where(path, frame, header, columns[0], bad[0])}: time "
                        f"{text.iloc[bad[0]]!r} is not a time as {expected} "
                        f"(datasets/{manifest.name}.yaml layout.time_format)")  # fmt: skip
    stamps: np.ndarray = times.to_numpy()
    return stamps


def read_table(path: Path, manifest: DatasetManifest, spec: DatasetSpec,
               rows: int | None = None) -> Table:  # fmt: skip
    """The time, feature and target columns of the data file `path` (its first `rows` rows
    when given), read as the manifest's layout says; DataError names the file, line and
    column of the first cell that does not read."""
    layout = manifest.layout
    try:
        frame = pd.read_csv(path, sep=layout.separator, dtype=str, nrows=rows,
                            na_values=manifest.na_values, keep_default_na=False,
                            skip_blank_lines=False)  # fmt: skip
    except pd.errors.ParserError as e:  # a row with more fields than the header
        extra = [(line, n, m) for line, n, m in malformed_rows(path, manifest) if n > m]
        if extra:
            line, fields, expected = extra[0]
            raise DataError(f"{path}:{line}: the row has {fields} fields, the header "
                            f"{expected} (layout.separator {layout.separator!r})") from e  # fmt: skip
        raise DataError(f"cannot read {path}: {e}") from e
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read {path}: {e}") from e
    frame = frame.rename(columns=lambda name: layout.rename.get(str(name).strip(),
                                                                str(name).strip()))  # fmt: skip
    frame = frame.mask(frame.apply(lambda column: column.str.strip() == ""))  # empty: a gap
    empty = [c for c in frame.columns if c.startswith("Unnamed: ") and frame[c].isna().all()]
    frame = frame.drop(columns=empty).dropna(how="all")
    header = [str(c) for c in frame.columns]
    needed = [*spec.time_columns, *spec.features, spec.target]
    absent = [c for c in needed if c not in header]
    if absent:
        hint = (f" (one column: is layout.separator {layout.separator!r} right?)"
                if len(header) == 1 else " (layout.rename maps header names to these)")  # fmt: skip
        raise DataError(f"{path}:1:1: no column(s) {', '.join(map(repr, absent))} in the "
                        f"header {header}{hint}")  # fmt: skip
    times = _timestamps(path, frame, header, list(spec.time_columns), manifest)
    values = pd.DataFrame({c: _numbers(path, frame, header, c, manifest)
                           for c in dict.fromkeys([*spec.features, spec.target])})  # fmt: skip
    return Table(times=times, values=values)


def inspect_data(loaded: LoadedSpec, rows: int = 500) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the spec's data files that are present, from their first
    `rows` rows: cells that do not read, and columns holding a common gap tag (SENTINELS)
    that na_values does not name. `spec validate` runs it (entry point group resq.checks)."""
    errors: list[str] = []
    warnings: list[str] = []
    manifest, spec = loaded.manifest, loaded.spec.dataset
    if manifest is None:
        return errors, warnings
    for name in spec.files:
        path = find_file(manifest, name)
        if path is None:
            continue
        try:
            table = read_table(path, manifest, spec, rows)
        except DataError as e:
            errors.append(str(e))
            continue
        warnings += _malformed_warnings(path, manifest)
        run = min(len(table.values), spec.window)
        for column in table.values.columns:
            present = table.values[column].notna().to_numpy()
            if _longest_run(present) < run:
                warnings.append(f"{path}: column {column!r} is {100 * (1 - present.mean()):.0f} % "
                                f"empty in the first {len(present)} rows, with no {run} "
                                f"rows in a row that have a value: a window needs "
                                f"{spec.window} (dataset.window)")  # fmt: skip
            tags = [t for t in SENTINELS if (table.values[column] == t).any()]
            if tags:
                warnings.append(f"{path}: column {column!r} holds {tags[0]:g}, a common tag for "
                                f"a gap: add '{tags[0]:g}' to na_values in datasets/"
                                f"{manifest.name}.yaml if it is one")  # fmt: skip
    return errors, warnings


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
    empty = table.values[[*dict.fromkeys([*spec.features, spec.target])]].isna().mean()
    shown = [f"{column!r} {100 * share:.0f} % empty" for column, share in
             empty.sort_values(ascending=False).items() if share > 0]  # fmt: skip
    return "; ".join(shown[:4]) or "no gaps: the rows are not contiguous in time"


def malformed_rows(path: Path, manifest: DatasetManifest) -> list[tuple[int, int, int]]:
    """(line, fields, header's fields) of each non-empty row of an uncompressed data file
    whose field count differs from its header's; line 1 is the header. Compressed (shipped)
    files are checked by their sha256 instead and give []."""
    if path.suffix == ".xz":
        return []
    found: list[tuple[int, int, int]] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        rows = csv.reader(handle, delimiter=manifest.layout.separator)
        expected = len(next(rows, []))
        for row in rows:
            if row and len(row) != expected:
                found.append((rows.line_num, len(row), expected))
    return found


def _malformed_warnings(path: Path, manifest: DatasetManifest, shown: int = 3) -> list[str]:
    """`FILE:LINE: …` for the first `shown` rows with fewer fields than the header (read with
    gaps; the last row of a file cut short gives no window) and a count of the rest."""
    rows = malformed_rows(path, manifest)
    with open(path, "rb") as handle:
        last = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    said = []
    for line, fields, expected in rows[:shown]:
        why = ("the last row: is the file cut short?" if line >= last
               else "its missing fields are read as gaps")  # fmt: skip
        said.append(f"{path}:{line}: the row has {fields} of the header's {expected} fields "
                    f"({why})")  # fmt: skip
    if len(rows) > shown:
        said.append(f"{path}: {len(rows) - shown} more row(s) whose field count differs from "
                    f"the header's (separator {manifest.layout.separator!r})")  # fmt: skip
    return said


def _longest_run(present: np.ndarray) -> int:
    """The longest run of True in `present`."""
    longest = run = 0
    for value in present:
        run = run + 1 if value else 0
        longest = max(longest, run)
    return longest


def _file_windows(
    path: Path, manifest: DatasetManifest, spec: DatasetSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = read_table(path, manifest, spec)
    times = table.times
    order = np.argsort(times, kind="stable")
    times = times[order]
    features = table.values[list(spec.features)].to_numpy(dtype=np.float64)[order]
    target = table.values[spec.target].to_numpy(dtype=np.float64)[order]
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
