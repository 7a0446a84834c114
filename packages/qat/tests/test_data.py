"""Loading windows from the real Beijing files and a clear error for the missing AirU file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from resq.spec import load_spec
from resq.spec.data import DataError, load_windows

REPO = Path(__file__).resolve().parents[3]


def test_beijing_windows_are_split_by_date_and_scaled_on_train(beijing_home: Path) -> None:
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    assert loaded.manifest is not None
    data = load_windows(loaded.spec.dataset, loaded.manifest)
    assert data.train.x.shape[1:] == (24, 7)
    assert 10_000 <= len(data.train.x) <= 17_000
    assert data.train.end_times.max() < np.datetime64("2016-01-01")
    assert data.validation.end_times.min() >= np.datetime64("2016-01-01")
    assert data.test.end_times.min() >= np.datetime64("2016-07-01")
    assert data.train.x.min() == 0.0 and data.train.x.max() == 1.0
    assert data.train.y.min() == 0.0 and data.train.y.max() == 1.0
    assert np.isfinite(data.test.x).all()


def test_label_filter_drops_stuck_and_spiking_targets(tmp_path: Path, beijing_home: Path) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    filtered = tmp_path / "specs" / "filtered.yaml"
    filtered.write_text(
        "extends: beijing-o3.yaml\nname: filtered\ndataset:\n  label_filter: {enabled: true}\n"
    )
    plain = load_spec(tmp_path / "specs" / "beijing-o3.yaml")
    with_filter = load_spec(filtered)
    assert plain.manifest is not None and with_filter.manifest is not None
    a = load_windows(plain.spec.dataset, plain.manifest)
    b = load_windows(with_filter.spec.dataset, with_filter.manifest)
    assert len(b.train.x) < len(a.train.x)
    assert b.target.high[0] < a.target.high[0]


def test_missing_airu_file_names_where_to_put_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESQ_DATA_HOME", str(tmp_path))
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    assert loaded.manifest is not None
    with pytest.raises(DataError) as caught:
        load_windows(loaded.spec.dataset, loaded.manifest)
    message = str(caught.value)
    assert "airu.csv" in message
    assert str(tmp_path / "airu") in message
    assert "IEEE DataPort" in message
