"""Shared fixtures of the cross-package tests: tools (skip outside CI, fail in CI), the
`sim` target of cores/ through FuseSoC, the real data home, a made-up knowledge base."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from resq.estimator.kdb import KdbEntry, KnowledgeBase, Toolchain
from resq.estimator.profile import buffer_point, input_buffer_point, ip_points, model_blocks
from resq.hdlgen.cores import ip_digest
from resq.spec import BitConfig, Resources, load_spec

REPO = Path(__file__).resolve().parents[1]
CORES = REPO / "cores"


def require_tools(*tools: str) -> None:
    """Skip (outside CI) or fail (in CI) when a tool is not on PATH."""
    for tool in tools:
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} must be installed in CI (.ci/run installs it)")
            pytest.skip(f"{tool} is not installed (outside CI)")


def _simulate(vlnv: str, args: list[str], build_root: Path) -> subprocess.CompletedProcess[str]:
    command = ["fusesoc", "--cores-root", str(CORES), "run", "--build-root", str(build_root),
               "--target", "sim", vlnv, *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.fixture
def simulate() -> Callable[[str, list[str], Path], subprocess.CompletedProcess[str]]:
    """`fusesoc --cores-root cores run --target sim VLNV ARGS` in a given build root."""
    require_tools("ghdl", "fusesoc")
    return _simulate


@pytest.fixture
def fusesoc_tools() -> None:
    """ghdl and fusesoc on PATH (skip outside CI, fail in CI)."""
    require_tools("ghdl", "fusesoc")


@pytest.fixture
def synthesis_tools() -> None:
    """ghdl and yosys on PATH (skip outside CI, fail in CI)."""
    require_tools("ghdl", "yosys")


@pytest.fixture
def tcl_shell() -> None:
    """tclsh on PATH (skip outside CI, fail in CI), to run the Tcl resq gives Vivado."""
    require_tools("tclsh")


@pytest.fixture
def beijing_home() -> Path:
    """$RESQ_DATA_HOME with beijing-air/ (skip outside CI when absent, fail in CI)."""
    home = os.environ.get("RESQ_DATA_HOME")
    if not home or not (Path(home) / "beijing-air").is_dir():
        if os.environ.get("CI"):
            pytest.fail("RESQ_DATA_HOME must point at the shared datasets in CI")
        pytest.skip("RESQ_DATA_HOME with beijing-air/ is not set (outside CI)")
    return Path(home).resolve()


YOSYS = Toolchain(route="yosys", versions={"yosys": "test", "ghdl": "test"})


def _made_up_kdb(loaded_config: BitConfig, lut: float = 10.0,
                 spec: Path = REPO / "specs" / "airu.yaml") -> KnowledgeBase:  # fmt: skip
    """Every point of the nodes of `spec`'s model built as `loaded_config`, each `lut` LUTs
    and 1 FF."""
    model = load_spec(spec).spec.model
    kdb = KnowledgeBase(part_family="xc7", toolchain=YOSYS)
    window = model.window
    for block in model_blocks(model):
        choice = loaded_config.choice(block.node, block.component)
        points = ip_points(block, window, block.bits(loaded_config), choice.parallelism,
                           choice.multiplier)  # fmt: skip
        points.append(buffer_point(block, window, block.output_bits(loaded_config),
                                   choice.storage))  # fmt: skip
        if block.input_features:
            width = block.bits(loaded_config)["INPUT_BITS"]
            points.append(input_buffer_point(block, window, width, choice.storage))
        for point in points:
            kdb.add(KdbEntry(point=point, resources=Resources(lut=lut, ff=1),
                             source_digest=ip_digest(CORES, point.block), seconds=1.0))  # fmt: skip
    return kdb


MadeUpKdb = Callable[..., KnowledgeBase]


@pytest.fixture
def made_up_kdb() -> MadeUpKdb:
    """`made_up_kdb(config, lut=10.0, spec=airu.yaml)`: a knowledge base holding every point
    of the spec's model built as `config`, each `lut` LUTs and 1 FF, on the current IP
    sources."""
    return _made_up_kdb


@pytest.fixture(scope="session")
def browser() -> str:
    """A headless Chromium (installed by .ci/run; skip outside CI when absent, fail in CI)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (.ci/run installs it)")
    pytest.skip("no chromium on PATH (outside CI)")


@pytest.fixture(scope="session")
def verilator() -> None:
    """Verilator on PATH (skip outside CI, fail in CI)."""
    require_tools("verilator")


TINY_SYNTHESIS = """extends: beijing-o3.yaml
name: tiny
dataset: {max_windows: 600, window: 4}
model: {window: 4, d_model: 4, ffn_dim: 8}
training: {epochs: 1, float_epochs: 1}
quantization: {default_bits: 4}
hardware: {parallelism: 1, multiplier: dsp, storage: auto}
deploy: DEPLOY
"""


@pytest.fixture
def tiny_synthesis() -> Callable[[str], str]:
    """`tiny_synthesis(deploy)`: a spec of a model small enough to synthesize whole in
    seconds (window 4, d_model 4, one epoch), with `deploy` as its deploy section."""
    return lambda deploy: TINY_SYNTHESIS.replace("DEPLOY", deploy)
