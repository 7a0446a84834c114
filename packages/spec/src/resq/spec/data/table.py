"""Read the columns a spec uses from one data file, as its manifest's layout says: the CSV
reader and numpy only. Every cell that does not read is an error at its FILE:LINE:COL."""

from __future__ import annotations

import csv
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import numpy as np
from resq.spec.data.files import DataError
from resq.spec.dataset import DatasetSpec
from resq.spec.manifest import DatasetManifest

Cells = list[str | None]
"""One column's text, stripped; None for a gap (empty or one of the manifest's na_values)."""


@dataclass(frozen=True)
class Table:
    """The columns a spec reads from one data file: times (datetime64[us]), numbers by
    column name (float64, NaN for a gap), and the file line of each row (the header is 1)."""

    times: np.ndarray
    values: dict[str, np.ndarray]
    lines: np.ndarray

    def matrix(self, columns: list[str]) -> np.ndarray:
        """The named columns side by side: (rows, len(columns)) float64."""
        return np.column_stack([self.values[c] for c in columns])


def _open(path: Path) -> IO[str]:
    """The data file as text (decompressed, for .xz), UTF-8, newlines left to the CSV reader."""
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _records(path: Path, separator: str) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each row of the file, the header first; blank rows left out."""
    with _open(path) as handle:
        reader = csv.reader(handle, delimiter=separator)
        for fields in reader:
            if fields:
                yield reader.line_num, fields


def malformed_rows(path: Path, manifest: DatasetManifest) -> list[tuple[int, int, int]]:
    """(line, fields, header's fields) of each non-empty row of an uncompressed data file
    whose field count differs from its header's; line 1 is the header. Compressed (shipped)
    files are checked by their sha256 instead and give []."""
    if path.suffix == ".xz":
        return []
    records = _records(path, manifest.layout.separator)
    _, header = next(records, (1, []))
    return [(line, len(fields), len(header)) for line, fields in records
            if len(fields) != len(header)]  # fmt: skip


def _header(raw: list[str], manifest: DatasetManifest) -> list[str]:
    """Header names stripped and renamed (layout.rename); an empty name becomes `Unnamed: i`."""
    rename = manifest.layout.rename
    names = [name.strip() or f"Unnamed: {i}" for i, name in enumerate(raw)]
    return [rename.get(name, name) for name in names]


def _columns(path: Path, manifest: DatasetManifest, needed: list[str], rows: int | None
             ) -> tuple[list[str], dict[str, Cells], list[int]]:  # fmt: skip
    """(header, cells of each needed column, line of each row) of the file's first `rows`
    rows (all when None); rows with no value at all are left out."""
    layout = manifest.layout
    gaps = {value.strip() for value in manifest.na_values} | {""}
    try:
        records = _records(path, layout.separator)
        first = next(records, None)
        if first is None:
            raise DataError(f"{path}:1:1: the file is empty (no header)")
        header = _header(first[1], manifest)
        absent = [c for c in needed if c not in header]
        if absent:
            hint = (f" (one column: is layout.separator {layout.separator!r} right?)"
                    if len(header) == 1 else " (layout.rename maps header names to these)")  # fmt: skip
            shown = [h for h in header if not h.startswith("Unnamed: ")]
            raise DataError(f"{path}:1:1: no column(s) {', '.join(map(repr, absent))} in the "
                            f"header {shown}{hint}")  # fmt: skip
        where = [header.index(c) for c in needed]
        cells: dict[str, Cells] = {c: [] for c in needed}
        lines: list[int] = []
        for line, fields in records:
            if rows is not None and len(lines) >= rows:
                break
            if len(fields) > len(header):
                raise DataError(f"{path}:{line}: the row has {len(fields)} fields, the header "
                                f"{len(header)} (layout.separator {layout.separator!r})")  # fmt: skip
            if all(field.strip() in gaps for field in fields):
                continue
            lines.append(line)
            for column, index in zip(needed, where, strict=True):
                text = fields[index].strip() if index < len(fields) else ""
                cells[column].append(None if text in gaps else text)
    except (OSError, UnicodeDecodeError, csv.Error, lzma.LZMAError) as e:
        raise DataError(f"cannot read {path}: {e}") from e
    return header, cells, lines


def _numbers(path: Path, header: list[str], column: str, cells: Cells, lines: list[int],
             manifest: DatasetManifest) -> np.ndarray:  # fmt: skip
    """The column's cells as float64 (NaN for a gap); DataError at the first that is not a
    number, with how many are not."""
    comma = manifest.layout.decimal == ","
    values = np.full(len(cells), np.nan)
    bad: list[int] = []
    for row, text in enumerate(cells):
        if text is None:
            continue
        try:
            values[row] = float(text.replace(",", ".") if comma else text)
        except ValueError:
            bad.append(row)
    if bad:
        gaps = ", ".join(repr(v) for v in manifest.na_values) or "none"
        raise DataError(f"{path}:{lines[bad[0]]}:{header.index(column) + 1}: column {column!r}: "
                        f"{cells[bad[0]]!r} is not a number (decimal mark "
                        f"{manifest.layout.decimal!r}; gaps, na_values: {gaps}); "
                        f"{len(bad)} such cell(s)")  # fmt: skip
    return values


def _time(text: str | None, form: str | None) -> datetime | None:
    """The time written in `text` (ISO 8601 unless `form`, a strptime format), naive UTC;
    None when it is not one."""
    if text is None:
        return None
    try:
        moment = datetime.strptime(text, form) if form else datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _hour(parts: list[float]) -> datetime | None:
    """The hour of (year, month, day, hour) numbers; None when they are not one."""
    if any(np.isnan(p) or p != int(p) for p in parts):
        return None
    try:
        year, month, day, hour = (int(p) for p in parts)
        return datetime(year, month, day, hour)
    except (ValueError, OverflowError):
        return None


def _timestamps(path: Path, header: list[str], columns: list[str], cells: dict[str, Cells],
                lines: list[int], manifest: DatasetManifest) -> np.ndarray:  # fmt: skip
    """One datetime column (ISO 8601 unless layout.time_format), a date and a time column
    joined by a space (layout.time_format), or four columns of year, month, day, hour."""
    form = manifest.layout.time_format
    if len(columns) == 4:
        parts = [_numbers(path, header, c, cells[c], lines, manifest) for c in columns]
        text: Cells = cells[columns[0]]
        times = [_hour([float(p[row]) for p in parts]) for row in range(len(lines))]
    elif len(columns) in (1, 2) and (len(columns) == 1 or form is not None):
        text = cells[columns[0]]
        if len(columns) == 2:
            text = [None if a is None or b is None else f"{a} {b}"
                    for a, b in zip(text, cells[columns[1]], strict=True)]  # fmt: skip
        times = [_time(t, form) for t in text]
    else:
        raise DataError(f"{path}: time_columns {columns}: one datetime column, a date and a "
                        "time column with layout.time_format, or year, month, day, hour")  # fmt: skip
    bad = next((row for row, moment in enumerate(times) if moment is None), None)
    if bad is not None:
        expected = form or ("year, month, day, hour" if len(columns) == 4 else "ISO 8601")
        raise DataError(f"{path}:{lines[bad]}:{header.index(columns[0]) + 1}: time "
                        f"{text[bad]!r} is not a time as {expected} "
                        f"(datasets/{manifest.name}.yaml layout.time_format)")  # fmt: skip
    return np.array(times, dtype="datetime64[us]")


def read_table(path: Path, manifest: DatasetManifest, spec: DatasetSpec,
               rows: int | None = None) -> Table:  # fmt: skip
    """The time, feature and target columns of the data file `path` (its first `rows` rows
    when given), read as the manifest's layout says; DataError names the file, line and
    column of the first cell that does not read."""
    numeric = list(dict.fromkeys([*spec.features, spec.target]))
    needed = list(dict.fromkeys([*spec.time_columns, *numeric]))
    header, cells, lines = _columns(path, manifest, needed, rows)
    times = _timestamps(path, header, list(spec.time_columns), cells, lines, manifest)
    values = {c: _numbers(path, header, c, cells[c], lines, manifest) for c in numeric}
    return Table(times=times, values=values, lines=np.array(lines, dtype=np.int64))
