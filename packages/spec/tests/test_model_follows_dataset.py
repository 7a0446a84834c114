"""model.n_features and model.window follow the data set unless a spec writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from resq.spec import SpecError, load_spec


def test_a_new_feature_list_and_window_need_no_model_edit(project: Path) -> None:
    spec = project / "specs" / "three.yaml"
    spec.write_text("extends: beijing-o3.yaml\nname: three\n"
                    "dataset: {features: [PM2.5, PM10, SO2], window: 12}\n")  # fmt: skip
    model = load_spec(spec).spec.model
    assert (model.n_features, model.window) == (3, 12)
    assert load_spec(project / "specs" / "beijing-o3.yaml").spec.model.n_features == 7


def test_a_written_mismatch_is_reported_where_it_is_written(project: Path) -> None:
    spec = project / "specs" / "odd.yaml"
    spec.write_text("extends: beijing-o3.yaml\nname: odd\nmodel: {n_features: 5}\n")
    with pytest.raises(SpecError, match=r"odd\.yaml:3:\d+: model\.n_features: 5 differs from "
                                        r"the 7 dataset\.features"):  # fmt: skip
        load_spec(spec)


def test_a_header_name_in_columns_hints_at_rename_without_a_cascade(project: Path) -> None:
    manifest = project / "datasets" / "beijing-air.yaml"
    manifest.write_text(manifest.read_text().replace("columns: [No, year,",
                                                     "columns: [No, CO(GT), year,"))  # fmt: skip
    with pytest.raises(SpecError) as raised:
        load_spec(project / "specs" / "beijing-o3.yaml")
    issues = raised.value.issues
    assert len(issues) == 1, str(raised.value)  # no "required field is missing" after it
    assert issues[0].file == manifest and issues[0].path == "columns[1]"
    assert "layout.rename, e.g. rename: {'CO(GT)': CO_GT}" in issues[0].message
