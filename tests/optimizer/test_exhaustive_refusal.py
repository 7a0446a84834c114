"""Exhaustive search counts its space from the spec before it builds anything, and a space
over its limit is refused at once by `spec validate` and before `spec run` trains."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from resq.optimizer.exhaustive import MAX_CONFIGURATIONS
from resq.optimizer.formulation import exhaustive_refusal, exhaustive_size
from resq.spec import load_spec

REPO = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path, search: str) -> Path:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    spec = tmp_path / "specs" / "exh.yaml"
    spec.write_text(f"extends: beijing-o3.yaml\nname: exh\nsearch: {search}\n")
    return spec


def test_the_airu_space_is_counted_from_the_spec_and_refused(tmp_path: Path) -> None:
    loaded = load_spec(_project(tmp_path, "{method: exhaustive}"))
    assert exhaustive_size(loaded) == 3**18 > MAX_CONFIGURATIONS  # 18 free sources, 3 widths
    why = exhaustive_refusal(loaded)
    assert why is not None and "387,420,489" in why and "5,000,000" in why
    assert "search.method: ilp" in why


def test_a_small_exhaustive_space_and_the_ilp_pass(tmp_path: Path) -> None:
    spec = _project(tmp_path, "{method: exhaustive}")
    fixed = "".join(f"    {c}: {{inputs: 8, weights: 8, outputs: 8}}\n"
                    for c in ("Linput", "AddPE", "MHA", "AddMHA", "BNMHA", "FFN", "AddFFN",
                              "BNFFN"))  # fmt: skip
    spec.write_text(spec.read_text() + "quantization:\n  components:\n" + fixed)
    loaded = load_spec(spec)
    assert exhaustive_size(loaded) <= MAX_CONFIGURATIONS and exhaustive_refusal(loaded) is None
    assert exhaustive_refusal(load_spec(REPO / "specs" / "beijing-o3.yaml")) is None  # ilp


def test_spec_validate_and_spec_run_refuse_it_without_a_traceback(tmp_path: Path) -> None:
    spec = _project(tmp_path, "{method: exhaustive}")
    main = "from resq.spec.cli import main; main()"
    checked = subprocess.run([sys.executable, "-c", main, "validate", str(spec)],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert checked.returncode == 2 and "387,420,489 configurations" in checked.stderr
    ran = subprocess.run([sys.executable, "-c", main, "run", str(spec), "--run-dir",
                          str(tmp_path / "run")], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert ran.returncode == 1 and "stage 'search' cannot run" in ran.stderr
    assert "Traceback" not in ran.stderr + checked.stderr
    assert not (tmp_path / "run" / "train").exists(), "refused before training"
