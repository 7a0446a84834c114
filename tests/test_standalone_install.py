"""resq-spec installs and works on its own, in a fresh virtual environment."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_spec_package_alone_gives_a_working_validate(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-e", str(REPO / "packages" / "spec")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    listed = subprocess.run([str(python), "-m", "pip", "list"], capture_output=True, text=True)
    assert "resq-qat" not in listed.stdout and "torch" not in listed.stdout
    specs = sorted(str(p) for p in (REPO / "specs").glob("*.yaml"))
    result = subprocess.run(
        [str(env_dir / "bin" / "spec"), "validate", *specs], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


HARDWARE_ONLY = """
import sys
from pathlib import Path
from resq.hdlgen.generator import random_windows
from resq.hdlgen.project import Target, generate
from resq.hdlgen.simulation import simulate
from resq.spec.integer.intmodel import load_intmodel

work, cores = Path(sys.argv[1]), Path(sys.argv[2])
model, arrays = load_intmodel(work / "intmodel")
qp = model.tensors[model.input].qparams
q_in = random_windows((3, *model.tensors[model.input].shape), qp.quant_min, qp.quant_max, 0)
config = model.bits.with_hardware(8, "lut")
target = Target(board="elasticnode-v5", part="xc7s15ftgb196-2", clock_mhz=100)
generated = generate("standalone", model, arrays, config, q_in, work / "model", target)
result = simulate(generated, cores, work / "build")
print("modules:", " ".join(sorted(m for m in ("torch", "pandas") if m in sys.modules)))
print("bit_exact", result.bit_exact, result.passed)
"""


def test_hardware_side_generates_and_simulates_without_torch(
    tmp_path: Path, beijing_home: Path, fusesoc_tools: None
) -> None:
    """resq-spec + resq-hdlgen alone (no torch, no pandas) build and simulate a saved IntModel."""
    from resq.qat.experiment import calibrated_intmodel
    from resq.spec import BitConfig, load_spec
    from resq.spec.data import load_windows
    from resq.spec.integer.intmodel import save_intmodel

    loaded = load_spec(REPO / "specs" / "beijing-o3-uniform4.yaml")
    assert loaded.manifest is not None
    spec = loaded.spec
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 1500}), loaded.manifest)
    model, arrays = calibrated_intmodel(
        spec.model, BitConfig.from_spec(spec), spec.quantization.adaptive_threshold, data
    )
    save_intmodel(tmp_path / "intmodel", model, arrays)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-e", str(REPO / "packages" / "spec"),
         "-e", str(REPO / "packages" / "hdlgen")],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    listed = subprocess.run([str(python), "-m", "pip", "list"], capture_output=True, text=True)
    for absent in ("torch", "pandas", "resq-qat"):
        assert absent not in listed.stdout, listed.stdout
    env = {**os.environ, "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(
        [str(python), "-c", HARDWARE_ONLY, str(tmp_path), str(REPO / "cores")],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "modules: \n" in run.stdout and "bit_exact 3/3 True" in run.stdout, run.stdout
