"""A new data set by YAML only: a file written the way an air-quality sensor array's export
is (semicolons, decimal commas, day-first date and time columns, header names with
parentheses, -200 for a gap, a trailing empty column) trains from a manifest and a spec,
and each layout mistake in the manifest is a located line at `spec validate`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]

MANIFEST = """name: city-air
title: A city's hourly sensor array against a reference analyser
source: made by tests/test_new_dataset.py
url: https://example.org/city-air
license: CC0
obtain: written by the test
frequency_hours: 1
files: [{name: city.csv}]
columns: [Date, Time, CO_GT, S1_CO, NO2_GT, T, RH]
layout:
  separator: ";"
  decimal: ","
  time_format: "%d/%m/%Y %H.%M.%S"
  rename: {"CO(GT)": CO_GT, "PT08.S1(CO)": S1_CO, "NO2(GT)": NO2_GT}
na_values: ["-200"]
"""

SPEC = """extends: beijing-o3.yaml
name: city-co
dataset:
  manifest: city-air
  files: [city.csv]
  time_columns: [Date, Time]
  features: [S1_CO, NO2_GT, T, RH]
  target: CO_GT
  window: 6
  split: {method: date, train_end: 2004-04-20, validation_end: 2004-04-30}
model: {n_features: 4, window: 6, d_model: 4, ffn_dim: 4}
training: {epochs: 1, float_epochs: 2}
"""


def _write_data(folder: Path) -> None:
    """60 days of hourly rows from 2004-03-10 18:00, as the sensor export writes them."""
    rng = np.random.default_rng(0)
    rows = ["Date;Time;CO(GT);PT08.S1(CO);NO2(GT);T;RH;;"]
    start = np.datetime64("2004-03-10T18:00")
    for hour in range(60 * 24):
        t = (start + np.timedelta64(hour, "h")).astype(object)
        co = 2 + np.sin(hour / 5) + rng.normal(0, 0.2)
        values = [f"{co:.1f}", f"{1000 + 300 * co:.0f}", f"{100 + 20 * co:.0f}",
                  f"{10 + 5 * np.sin(hour / 24):.1f}", f"{50 + rng.normal(0, 5):.1f}"]  # fmt: skip
        if hour % 97 == 5:
            values[0] = "-200"  # the reference analyser's gap tag
        row = ";".join(v.replace(".", ",") for v in values)
        rows.append(f"{t:%d/%m/%Y};{t:%H.%M.%S};{row};;")
    rows += [";;;;;;;;", ";;;;;;;;"]  # the export's trailing empty rows
    (folder / "city.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture()
def city(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "datasets" / "city-air.yaml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "specs" / "city-co.yaml").write_text(SPEC, encoding="utf-8")
    home = tmp_path / "data"
    (home / "city-air").mkdir(parents=True)
    _write_data(home / "city-air")
    return tmp_path, {**os.environ, "RESQ_DATA_HOME": str(home), "COLUMNS": "1000"}


def _spec(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from resq.spec.cli import main; main()",
                           *args], capture_output=True, text=True, timeout=600, env=env)  # fmt: skip


def test_a_file_in_its_own_layout_validates_and_trains(city: tuple[Path, dict[str, str]]
                                                       ) -> None:  # fmt: skip
    root, env = city
    spec = str(root / "specs" / "city-co.yaml")
    checked = _spec(env, "validate", spec)
    assert checked.returncode == 0, checked.stderr
    assert "warning" not in checked.stderr
    ran = _spec(env, "run", spec, "--stages", "train", "--run-dir", str(root / "run"))
    assert ran.returncode == 0, ran.stderr
    train = json.loads((root / "run" / "summary.json").read_text())["stages"]["train"]
    assert train["test_windows"] > 100 and np.isfinite(train["intref_rmse"]), train


@pytest.mark.parametrize(("before", "after", "said"), [
    ('separator: ";"', 'separator: "|"', r"city\.csv:1:1: no column\(s\) .*one column: is "
                                         r"layout\.separator '\|' right\?"),
    ('separator: ";"', 'separator: ","', r"city-air\.yaml:\d+:\d+: layout: separator and "
                                         r"decimal mark are both ','"),
    ('decimal: ","', 'decimal: "."', r"city\.csv:2:\d+: column '\w+': '[\d]+,\d+' is not a "
                                     r"number \(decimal mark '\.'"),
    ('"%d/%m/%Y %H.%M.%S"', '"%m/%d/%Y %H.%M.%S"', r"city\.csv:\d+:1: time '\d\d/03/2004 "
                                                   r"[\d.]+' is not a time as %m/%d/%Y"),
    ('"CO(GT)": CO_GT, ', "", r"city\.csv:1:1: no column\(s\) 'CO_GT' in the header .*"
                              r"layout\.rename"),
    ('  time_format: "%d/%m/%Y %H.%M.%S"\n', "", r"city-co\.yaml:\d+:\d+: dataset\.time_columns: "
                                               r"2 columns: .* layout\.time_format"),
])  # fmt: skip
def test_each_layout_mistake_is_a_located_error_at_validate(
    city: tuple[Path, dict[str, str]], before: str, after: str, said: str
) -> None:
    root, env = city
    manifest = root / "datasets" / "city-air.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert before in text
    manifest.write_text(text.replace(before, after), encoding="utf-8")
    checked = _spec(env, "validate", str(root / "specs" / "city-co.yaml"))
    assert checked.returncode == 2, checked.stderr
    assert re.search(said, checked.stderr), checked.stderr
    assert "Traceback" not in checked.stderr


def test_a_gap_tag_left_out_of_na_values_is_a_warning(city: tuple[Path, dict[str, str]]) -> None:
    root, env = city
    manifest = root / "datasets" / "city-air.yaml"
    manifest.write_text(manifest.read_text().replace('na_values: ["-200"]', "na_values: []"))
    checked = _spec(env, "validate", str(root / "specs" / "city-co.yaml"))
    assert checked.returncode == 0, checked.stderr
    assert re.search(r"warning .*city\.csv: column 'CO_GT' holds -200, a common tag for a gap",
                     checked.stderr), checked.stderr  # fmt: skip


def test_a_feature_column_too_empty_for_windows_is_named(city: tuple[Path, dict[str, str]]
                                                         ) -> None:  # fmt: skip
    """NO2 written at one hour in ten: `spec validate` warns, training names the column."""
    root, env = city
    data = root / "data" / "city-air" / "city.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    for k in range(1, len(lines) - 2):
        if k % 10:
            fields = lines[k].split(";")
            fields[4] = ""
            lines[k] = ";".join(fields)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = str(root / "specs" / "city-co.yaml")
    checked = _spec(env, "validate", spec)
    assert checked.returncode == 0, checked.stderr
    assert re.search(r"warning .*city\.csv: column 'NO2_GT' is 90 % empty in the first 500 "
                     r"rows, with no 6 rows in a row that have a value", checked.stderr), \
        checked.stderr  # fmt: skip
    ran = _spec(env, "run", spec, "--stages", "train", "--run-dir", str(root / "run"))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert re.search(r"city\.csv: no complete window of 6 rows \('NO2_GT' 90 % empty", ran.stderr)


def test_a_truncated_last_row_is_a_warning_with_its_line(city: tuple[Path, dict[str, str]]
                                                         ) -> None:  # fmt: skip
    root, env = city
    data = root / "data" / "city-air" / "city.csv"
    lines = data.read_text(encoding="utf-8").splitlines()[:-2]  # no trailing empty rows
    data.write_text("\n".join(lines) + "\n" + "28/04/2004;18.00.00;2,1;17", encoding="utf-8")
    checked = _spec(env, "validate", str(root / "specs" / "city-co.yaml"))
    assert checked.returncode == 0, checked.stderr
    assert re.search(rf"warning .*city\.csv:{len(lines) + 1}: the row has 4 of the header's "
                     r"\d+ fields \(the last row: is the file cut short\?\)", checked.stderr), \
        checked.stderr  # fmt: skip


def test_a_short_row_in_the_middle_is_a_warning_with_its_line(city: tuple[Path, dict[str, str]]
                                                              ) -> None:  # fmt: skip
    root, env = city
    data = root / "data" / "city-air" / "city.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    lines[40] = ";".join(lines[40].split(";")[:5])
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = _spec(env, "validate", str(root / "specs" / "city-co.yaml"))
    assert checked.returncode == 0, checked.stderr
    assert re.search(
        r"warning .*city\.csv:41: the row has 5 of the header's \d+ fields "
        r"\(its missing fields are read as gaps\)",
        checked.stderr,
    ), checked.stderr


def test_a_row_with_extra_fields_is_a_located_error(city: tuple[Path, dict[str, str]]) -> None:
    root, env = city
    data = root / "data" / "city-air" / "city.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    lines[30] += ";1;2;3"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = _spec(env, "validate", str(root / "specs" / "city-co.yaml"))
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert re.search(
        r"city\.csv:31: the row has \d+ fields, the header \d+ "
        r"\(layout\.separator ';'\)",
        checked.stderr,
    ), checked.stderr
