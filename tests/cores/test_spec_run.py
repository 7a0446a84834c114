"""`spec run` through train, generate and simulate, as a user runs it: the bit-exact gate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from resq.spec import BitConfig, NodeHardware, load_spec

REPO = Path(__file__).resolve().parents[2]
TINY = """extends: beijing-o3.yaml
name: tiny
dataset: {max_windows: 1500}
training: {epochs: 2, float_epochs: 2}
quantization: {default_bits: 4}
deploy: {test_windows: 8}
"""


def _spec_run(
    project: Path, spec: str, stages: str, *options: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", "run", spec,
         "--stages", stages, "--run-dir", str(project / "runs" / "x"), *options],
        capture_output=True, text=True, timeout=900, env=dict(os.environ), cwd=project,
    )  # fmt: skip


@pytest.mark.usefixtures("beijing_home", "simulate")
def test_generate_and_simulate_stages_report_bit_exact_and_cycles(tmp_path: Path) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "specs" / "tiny.yaml").write_text(
        TINY + "hardware:\n  parallelism: 16\n  multiplier: lut\n  storage: distributed\n"
        "  components: {FFN: {parallelism: 8, multiplier: dsp, storage: block}}\n"
        "  nodes: {l0_mha_attention: {parallelism: 2, multiplier: dsp}}\n"
    )
    done = _spec_run(tmp_path, "specs/tiny.yaml", "train,generate,simulate")
    assert done.returncode == 0, done.stderr
    run = tmp_path / "runs" / "x"
    stages = json.loads((run / "summary.json").read_text())["stages"]
    assert stages["simulate"]["bit_exact"] == "8/8"
    assert 1000 < stages["simulate"]["cycles"] < 40_000
    assert stages["generate"]["vlnv"] == "resq:model:tiny:0.1.0"
    nodes = stages["generate"]["nodes"]
    assert nodes["l0_ffn1"] == nodes["l0_ffn2"] == {"storage": "block", "parallelism": 8,
                                                    "multiplier": "dsp"}  # fmt: skip
    assert nodes["l0_mha_attention"] == {"storage": "distributed", "parallelism": 2,
                                         "multiplier": "dsp"}  # fmt: skip
    assert nodes["l0_mha_query"]["parallelism"] == 16 and nodes["linput"]["parallelism"] == 7
    assert (run / stages["generate"]["artifact"] / "config.json").is_file()
    top = (run / stages["generate"]["artifact"] / "model" / "tiny_model.vhd").read_text()
    assert top.count('RAM_STYLE => "block"') == 2
    simulation = json.loads((run / stages["simulate"]["artifact"] / "simulation.json").read_text())
    for kind in ("rtl", "netlist"):
        assert sum(simulation[kind]["node_cycles"].values()) <= simulation[kind]["cycles"]
    assert simulation["rtl"]["node_cycles"] == simulation["netlist"]["node_cycles"]

    (tmp_path / "specs" / "searched.yaml").write_text(
        TINY.replace("name: tiny", "name: searched")
        + "hardware: {parallelism: search, multiplier: lut, storage: auto}\n"
    )
    refused = _spec_run(tmp_path, "specs/searched.yaml", "train,generate")
    assert refused.returncode == 1
    output = " ".join((refused.stdout + refused.stderr).split())
    assert "stage 'generate' needs the artifact of 'candidates'" in output, output
    assert "Traceback" not in output


@pytest.mark.usefixtures("beijing_home", "simulate")
def test_an_engine_spec_runs_bit_exact_and_reports_its_architecture_and_schedule(
    tmp_path: Path,
) -> None:
    """`hardware.architecture: engine`: the whole model on the shared engine through train,
    generate, simulate (GHDL and the Verilator netlist) and the report, which names the
    architecture and lists the engine's schedule."""
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "specs" / "tiny-engine.yaml").write_text(
        TINY.replace("name: tiny", "name: tiny-engine").replace("deploy: {test_windows: 8}",
                                                                "deploy: {test_windows: 8, targets: [sim]}")
        + "hardware: {architecture: engine, parallelism: 16, multiplier: dsp, storage: auto}\n"
    )  # fmt: skip
    done = _spec_run(tmp_path, "specs/tiny-engine.yaml",
                     "train,baselines,generate,estimate,simulate,report")  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = tmp_path / "runs" / "x"
    stages = json.loads((run / "summary.json").read_text())["stages"]
    assert stages["generate"]["architecture"] == "engine"
    assert stages["simulate"]["bit_exact"] == "8/8" and stages["simulate"]["rtl_bit_exact"] == "8/8"
    assert stages["simulate"]["cycles"] < 8_000
    assert stages["estimate"]["estimated"] is False  # the knowledge base models dataflow IP only
    assert {c["parallelism"] for c in stages["generate"]["nodes"].values()} == {16}
    report = (run / stages["report"]["artifact"] / "report.md").read_text()
    assert "Architecture: engine (one shared datapath: 16 lanes, dsp multipliers" in report
    assert "| 0 | linput mac 24x16x7 |" in report and "l0_mha_attention scores 24x24x16" in report


@pytest.mark.usefixtures("beijing_home", "simulate")
def test_a_bitconfig_file_trains_builds_and_simulates_bit_exact(tmp_path: Path) -> None:
    """Bits differ by component, PAR, multiplier and storage by node; `--config` carries them
    through train, generate and simulate."""
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "specs" / "tiny.yaml").write_text(TINY)
    config = BitConfig.from_spec(load_spec(tmp_path / "specs" / "tiny.yaml").spec)
    components = dict(config.components)
    components["FFN"] = components["FFN"].model_copy(update={"weights": 6, "outputs": 6})
    components["AddFFN"] = components["AddFFN"].model_copy(update={"inputs": 6})
    components["Loutput"] = components["Loutput"].model_copy(update={"weights": 8, "outputs": 8})
    nodes = {
        "l0_ffn1": NodeHardware(parallelism=8, multiplier="dsp", storage="block"),
        "l0_mha_attention": NodeHardware(parallelism=4, multiplier="lut"),
        "l0_mha_query": NodeHardware(parallelism=16, storage="distributed"),
        "l0_add_mha": NodeHardware(parallelism=4, multiplier="lut"),
    }
    config = BitConfig(components=components, nodes=nodes).with_hardware(2, "dsp", "auto")
    file = tmp_path / "config.json"
    file.write_text(config.model_dump_json(indent=2))
    done = _spec_run(tmp_path, "specs/tiny.yaml", "train,generate,simulate", "--config", str(file))
    assert done.returncode == 0, done.stderr
    run = tmp_path / "runs" / "x"
    stages = json.loads((run / "summary.json").read_text())["stages"]
    assert stages["simulate"]["bit_exact"] == "8/8"
    built = stages["generate"]["nodes"]
    assert built["l0_ffn1"] == {"storage": "block", "parallelism": 8, "multiplier": "dsp"}
    assert built["l0_mha_attention"] == {"storage": "auto", "parallelism": 4, "multiplier": "lut"}
    assert built["l0_mha_query"]["storage"] == "distributed"
    assert built["l0_ffn2"] == {"storage": "auto", "parallelism": 2, "multiplier": "dsp"}
    artifact = run / stages["generate"]["artifact"]
    assert BitConfig.model_validate_json((artifact / "config.json").read_text()) == config
    intmodel = json.loads((run / stages["train"]["artifact"] / "intmodel.json").read_text())
    assert intmodel["bits"]["components"]["FFN"]["weights"] == 6

    # Other hardware, the same bits: the trained model is reused, generate and simulate rerun.
    rebuilt = config.with_hardware(
        16, "lut", "distributed", {"l0_ffn2": NodeHardware(parallelism=3)}
    )
    file.write_text(rebuilt.model_dump_json())
    again = _spec_run(tmp_path, "specs/tiny.yaml", "generate,simulate", "--config", str(file))
    assert again.returncode == 0, again.stderr
    stages = json.loads((run / "summary.json").read_text())["stages"]
    assert stages["simulate"]["bit_exact"] == "8/8"
    assert stages["generate"]["nodes"]["l0_ffn2"] == {"storage": "distributed", "parallelism": 3,
                                                      "multiplier": "lut"}  # fmt: skip

    file.write_text(
        config.model_copy(update={"nodes": {"l9_ffn1": NodeHardware()}}).model_dump_json()
    )
    refused = _spec_run(tmp_path, "specs/tiny.yaml", "generate", "--config", str(file))
    output = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode == 2 and "nodes.l9_ffn1: not a node of this model" in output


@pytest.mark.usefixtures("beijing_home", "simulate")
def test_a_range_learned_4_bit_model_is_bit_exact_on_200_windows(tmp_path: Path) -> None:
    """Learned (LSQ) ranges, asymmetric 4 bit, 8-bit softmax probabilities, and every QAT
    option on: the hardware computes what the integer reference computes on 200 real test
    windows."""
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "specs" / "learned.yaml").write_text(
        TINY.replace("name: tiny", "name: learned")
        .replace("deploy: {test_windows: 8}", "deploy: {test_windows: 200}")
        .replace("training: {epochs: 2, float_epochs: 2}",
                 "training: {epochs: 2, float_epochs: 2, distillation: 0.5, bn_reestimate: true,"
                 " qat_schedule: cosine, qat_lr: 0.0005}")
        .replace("quantization: {default_bits: 4}",
                 "quantization: {default_bits: 4, scheme: asymmetric, range: lsq, softmax_bits: 8}")
        + "hardware: {parallelism: 16, multiplier: lut, storage: distributed}\n"
    )  # fmt: skip
    done = _spec_run(tmp_path, "specs/learned.yaml", "train,generate,simulate")
    assert done.returncode == 0, done.stderr
    run = tmp_path / "runs" / "x"
    stages = json.loads((run / "summary.json").read_text())["stages"]
    assert stages["simulate"]["bit_exact"] == "200/200"
    assert stages["train"]["intref_rmse"] == stages["train"]["fake_quant_rmse"]
    intmodel = json.loads((run / stages["train"]["artifact"] / "intmodel.json").read_text())
    assert intmodel["bits"]["softmax_bits"] == 8
    attention = next(n for n in intmodel["nodes"] if n["name"] == "l0_mha_attention")
    assert attention["prob_bits"] == 8
    assert {t["qparams"]["bit_width"] for t in intmodel["tensors"].values()} == {4}
