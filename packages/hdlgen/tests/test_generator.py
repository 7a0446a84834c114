"""The FuseSoC generator's input handling, without FuseSoC: GAPI files and random windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from resq.hdlgen.generator import main, random_windows, run_generator
from resq.spec import ResqError

GAPI = """gapi: '1.0'
files_root: {root}
vlnv: acme:demo:user-model:0.1.0
parameters: {{intmodel: model, name: demo, parallelism: {par}}}
"""


def test_random_windows_cover_the_range_and_repeat_with_the_seed() -> None:
    q = random_windows((50, 24, 7), -8, 7, seed=3)
    assert q.shape == (50, 24, 7) and q.min() == -8 and q.max() == 7
    assert np.array_equal(q, random_windows((50, 24, 7), -8, 7, seed=3))


def test_bad_parameters_name_the_core_and_the_field(tmp_path: Path) -> None:
    gapi = tmp_path / "model_input.yml"
    gapi.write_text(GAPI.format(root=tmp_path, par=65))
    with pytest.raises(ResqError, match=r"acme:demo:user-model.*parameters\.parallelism.*got 65"):
        run_generator(gapi, tmp_path / "out")


def test_a_missing_intmodel_is_named(tmp_path: Path) -> None:
    gapi = tmp_path / "model_input.yml"
    gapi.write_text(GAPI.format(root=tmp_path, par=4))
    with pytest.raises(ResqError, match=str(tmp_path / "model" / "intmodel.json")):
        run_generator(gapi, tmp_path / "out")


def test_main_reports_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "absent.yml")]) == 1
    assert "cannot read the generator input" in capsys.readouterr().err
    assert main([]) == 2
