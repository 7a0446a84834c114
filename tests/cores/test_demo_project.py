"""A project outside cores/ (tests/cores/demo_project) registers the resq library with
`fusesoc library add`, reuses resq:ip:linear in its own design and builds a model from an
IntModel file through the generator core resq:gen:model."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, NodeHardware, load_spec
from resq.spec.data import load_windows
from resq.spec.integer.intmodel import save_intmodel
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]


def _fusesoc(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["fusesoc", "--config", str(project / "fusesoc.conf"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=project)


@pytest.fixture
def project(tmp_path: Path, beijing_home: Path) -> Path:
    """The demo project with an IntModel (4 bit, calibrated on Beijing data) in model/."""
    project = tmp_path / "demo"
    shutil.copytree(REPO / "tests" / "cores" / "demo_project", project)
    loaded = load_spec(REPO / "specs" / "beijing-o3-uniform4.yaml")
    spec = loaded.spec
    assert loaded.manifest is not None
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 1500}), loaded.manifest)
    model, arrays = calibrated_intmodel(
        spec.model, BitConfig.from_spec(spec), spec.quantization.adaptive_threshold, data
    )
    save_intmodel(project / "model", model, arrays)
    added = _fusesoc(project, "library", "add", "resq", str(REPO / "cores"))
    assert added.returncode == 0, added.stderr
    return project


def _run(project: Path, target: str) -> subprocess.CompletedProcess[str]:
    return _fusesoc(project, "--cores-root", str(project), "run", "--build-root",
                    str(project / "build"), "--target", target, "acme:demo:model_user")  # fmt: skip


@pytest.mark.usefixtures("simulate")
def test_an_outside_project_reuses_linear_and_generates_a_model(project: Path) -> None:
    head = _run(project, "sim_head")
    assert head.returncode == 0 and "demo_head_tb: passed" in head.stdout + head.stderr, (
        head.stdout[-3000:] + head.stderr[-3000:]
    )
    model = _run(project, "sim_model")
    output = model.stdout + model.stderr
    assert model.returncode == 0 and "demo_model_tb: bit_exact=4/4" in output, output[-3000:]
    assert "demo_model_tb: PASSED" in output


@pytest.mark.usefixtures("simulate")
def test_bad_generator_parameters_are_named_without_a_traceback(project: Path) -> None:
    core = project / "demo.core"
    core.write_text(core.read_text().replace("parallelism: 4", "parallelism: 0"))
    model = _run(project, "sim_model")
    output = model.stdout + model.stderr
    assert model.returncode != 0
    assert "parameters of resq_model" in output and "parallelism" in output
    assert "Traceback" not in output


@pytest.mark.usefixtures("simulate")
def test_the_generator_builds_a_bitconfig_file_per_node(project: Path) -> None:
    model = json.loads((project / "model" / "intmodel.json").read_text())
    config = BitConfig.model_validate(model["bits"]).with_hardware(
        2, "lut", "distributed",
        {"l0_ffn1": NodeHardware(parallelism=8, multiplier="dsp", storage="block"),
         "l0_mha_attention": NodeHardware(parallelism=4, multiplier="dsp")},
    )  # fmt: skip
    YAML().dump(config.model_dump(mode="json"), project / "model-config.yaml")
    core = project / "demo.core"
    core.write_text(core.read_text().replace("parallelism: 4\n      multiplier: lut",
                                             "config: model-config.yaml"))  # fmt: skip
    done = _run(project, "sim_model")
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "demo_model_tb: bit_exact=4/4" in output, output[-3000:]
    top = next((project / "build").rglob("demo_model.vhd")).read_text()
    assert "node 9: l0_ffn1 (resq_linear, PAR 8, dsp multipliers)" in top
    assert "node 5: l0_mha_attention (resq_attention, PAR 4, dsp multipliers)" in top
    assert "node 10: l0_ffn2 (resq_linear, PAR 2, lut multipliers)" in top
    assert top.count('RAM_STYLE => "block"') == 1
