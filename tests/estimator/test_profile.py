"""The estimator's profile points against the generated design, and sweeps that resume.

`model_blocks` must list the nodes and IPs that resq.hdlgen builds for a model, and the
points of a node built some way must carry the generics the generated top gives that node.
A sweep through Dask on a LocalCluster must measure what the local pool measures, and a
sweep killed midway must resume without measuring a point twice.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from resq.estimator.executor import Executor
from resq.estimator.fit import FittedModel
from resq.estimator.kdb import ProfilePoint, Toolchain, load_kdb, read_kdb
from resq.estimator.profile import (
    IP_BITS,
    Grid,
    buffer_point,
    grid_points,
    ip_points,
    model_blocks,
)
from resq.estimator.space import ELEMENTWISE_IPS, ELEMENTWISE_MAX_PAR
from resq.estimator.sweep import sweep
from resq.hdlgen.model import design
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, NodeHardware, load_spec
from resq.spec.data import load_windows
from resq.spec.quantization import ComponentQuantization

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
YOSYS = Toolchain(route="yosys", versions={"yosys": "test", "ghdl": "test"})
SLICE = [
    ProfilePoint(
        block="rom", generics={"DEPTH": 4, "WIDTH": 6, "INIT": "011010011100101101001011"}
    ),
    ProfilePoint(block="buffer", generics={"DEPTH": 6, "WIDTH": 8, "RAM_STYLE": "distributed"}),
    ProfilePoint(
        block="rom", generics={"DEPTH": 8, "WIDTH": 3, "INIT": "000001010011100101110111"}
    ),
]
"""Three points that synthesize in seconds (ROM words all differ: a constant ROM is no logic)."""

SHAPE_GENERICS = ("ROWS", "IN_FEATURES", "OUT_FEATURES", "FEATURES", "HEADS", "RELU", "PAR",
                  "MULT_STYLE", "INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS", "A_BITS", "B_BITS",
                  "Q_BITS", "K_BITS", "V_BITS", "PROB_BITS")  # fmt: skip


WIDTHS = {"Linput": (5, 7), "AddPE": (6, 8), "MHA": (4, 6), "AddMHA": (None, 5),
          "BNMHA": (7, 8), "FFN": (5, 4), "AddFFN": (None, 6), "BNFFN": (6, 7), "GAP": (None, 8),
          "Loutput": (8, 8)}  # fmt: skip
"""Component → (weights, outputs): every tensor of a different width from its neighbours."""


@pytest.mark.usefixtures("beijing_home")
def test_blocks_and_points_carry_what_the_generated_top_builds() -> None:
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    assert loaded.manifest is not None
    spec = loaded.spec
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 64}), loaded.manifest)
    components = {name: ComponentQuantization(weights=w or 8, outputs=o)
                  for name, (w, o) in WIDTHS.items()}  # fmt: skip
    quantization = spec.quantization.model_copy(update={"components": components,
                                                         "softmax_bits": 7})  # fmt: skip
    bits = BitConfig.from_spec(spec.model_copy(update={"quantization": quantization}))
    bits = bits.model_copy(update={"nodes": {
        "l0_ffn1": NodeHardware(parallelism=8, multiplier="lut", storage="distributed"),
        "l0_mha_attention": NodeHardware(parallelism=4)}})  # fmt: skip
    model, arrays = calibrated_intmodel(spec.model, bits, 0.1, data)
    instances = design(model, arrays, bits)
    blocks = model_blocks(spec.model)
    assert [(b.node, b.ip) for b in blocks] == [(i.node, i.ip) for i in instances]
    for block, instance in zip(blocks, instances, strict=True):
        g = instance.generics
        choice = instance.choice
        assert set(block.widths) == set(IP_BITS[block.ip])
        points = ip_points(block, spec.model.window, block.bits(bits), choice.parallelism,
                           choice.multiplier)  # fmt: skip
        ip = points[0]
        assert ip.block == block.ip
        same = {k: g[k] for k in SHAPE_GENERICS if k in g}
        assert {k: ip.generics[k] for k in same} == same, block.node
        roms = [p for p in points if p.block == "rom"]
        assert [(p.generics["DEPTH"], p.generics["WIDTH"]) for p in roms] == [
            (rom.depth, rom.width) for rom in instance.roms
        ] + ([(spec.model.window, 16 * int(g["B_BITS"]))] if block.node == "add_pe" else [])
        info = model.tensors[instance.output]
        assert block.output_bits(bits) == info.qparams.bit_width
        buffer = buffer_point(block, spec.model.window, block.output_bits(bits), choice.storage)
        features = info.shape[-1]
        assert buffer.generics == {"DEPTH": info.shape[0] if len(info.shape) == 2 else 1,
                                   "WIDTH": features * info.qparams.bit_width,
                                   "RAM_STYLE": choice.storage}, block.node  # fmt: skip


def test_the_grid_profiles_every_offered_choice_of_the_airu_shape_coarse_first() -> None:
    model = load_spec(REPO / "specs" / "airu.yaml").spec.model
    points = grid_points(model, Grid())
    assert len(points) == len({p.key() for p in points}) == 771
    pars: dict[str, set[int]] = {}
    for point in points:
        if "PAR" in point.generics:
            pars.setdefault(point.block, set()).add(int(point.generics["PAR"]))
    for ip in ELEMENTWISE_IPS:
        assert max(pars[ip]) == ELEMENTWISE_MAX_PAR, ip
    assert max(pars["linear"]) == max(pars["attention"]) == 16
    first = points[0].generics
    assert all(first[k] == 8 for k in first if k in IP_BITS["linear"])  # widest first
    windows = [p.generics.get("ROWS", p.generics.get("DEPTH")) for p in points]
    assert windows.index(12) > len(points) // 2, "the model's own window comes first"


@pytest.mark.usefixtures("synthesis_tools", "fusesoc_tools")
def test_a_slice_built_through_dask_equals_the_local_build(tmp_path: Path) -> None:
    results = {}
    for kind in ("local", "dask"):
        path = tmp_path / kind / "xc7.json"
        kdb, result = sweep(path, "xc7", YOSYS, SLICE, CORES, Executor(kind, workers=2))
        assert (result.measured, result.cached, result.failures) == (3, 0, [])
        results[kind] = {k: e.resources for k, e in kdb.entries.items()}
    assert results["dask"] == results["local"]
    assert all(r.lut + r.lutram + r.ff > 0 for r in results["local"].values())
    saved = read_kdb(tmp_path / "local" / "xc7.json")  # shipped with its fit's error
    assert saved.fit_error == FittedModel(saved.entries.values()).leave_one_out()
    _, result = sweep(tmp_path / "local" / "xc7.json", "xc7", YOSYS, SLICE, CORES,
                          Executor("local", workers=1))  # fmt: skip
    assert (result.measured, result.cached) == (0, 3)


SWEEP = """
import sys
from pathlib import Path
from resq.estimator.executor import Executor
from resq.estimator.kdb import ProfilePoint, Toolchain
from resq.estimator.sweep import sweep
words = "0000000100100011010001010110"
points = [ProfilePoint(block="rom", generics={"DEPTH": d, "WIDTH": 4, "INIT": words[:4 * d]})
          for d in (2, 3, 4, 5, 6)]
sweep(Path(sys.argv[1]), "xc7", Toolchain(route="yosys", versions={"yosys": "test"}), points,
      Path(sys.argv[2]), Executor("local", workers=1))
"""


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = set(), [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.usefixtures("synthesis_tools", "fusesoc_tools")
def test_a_killed_sweep_resumes_where_it_stopped_and_leaves_no_process(tmp_path: Path) -> None:
    path = tmp_path / "xc7.json"
    journal = path.with_name(path.name + ".journal")
    command = [sys.executable, "-c", SWEEP, str(path), str(CORES)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (journal.is_file() and journal.read_text().count("\n") >= 2):
            assert process.poll() is None and time.monotonic() < deadline, "sweep ended early"
            time.sleep(0.2)
        below = _descendants(process.pid)
        assert below, "the sweep runs its tools in worker processes"
    finally:
        process.kill()  # SIGKILL: the sweep cannot clean up after itself
        process.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in below if _alive(pid)], "workers or tools outlived the sweep"
    assert not path.exists()
    toolchain = Toolchain(route="yosys", versions={"yosys": "test"})
    before = load_kdb(path, "xc7", toolchain)
    assert 2 <= len(before.entries) < 5
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    after = load_kdb(path, "xc7", toolchain)
    assert len(after.entries) == 5 and not journal.exists()
    for key, entry in before.entries.items():
        assert after.entries[key] == entry  # kept, not measured again
