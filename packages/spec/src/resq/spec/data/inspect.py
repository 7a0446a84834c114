"""`spec validate`'s look at a spec's data files: cells that do not read, rows whose field
count differs from the header's, columns too empty for a window, and gap tags that
na_values leaves out (entry point group resq.checks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from resq.spec.data.files import DataError, find_file
from resq.spec.data.table import malformed_rows, read_table
from resq.spec.manifest import DatasetManifest
from resq.spec.spec import LoadedSpec

SENTINELS = (-200.0, -999.0, -9999.0)
"""Values data sets commonly write for a gap; seen in a column, they are probably not data."""


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
        run = min(len(table.lines), spec.window)
        for column in table.values:
            present = ~np.isnan(table.values[column])
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


def _malformed_warnings(path: Path, manifest: DatasetManifest, shown: int = 3) -> list[str]:
    """`FILE:LINE: …` for the first `shown` rows with fewer fields than the header (read with
    gaps; the last row of a file cut short gives no window) and a count of the rest."""
    rows = malformed_rows(path, manifest)
    if not rows:
        return []
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
