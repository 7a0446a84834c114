"""`spec run` of a tiny spec through every stage, as a user runs it: train, sensitivity,
search, candidates, generate, simulate, synthesize (Yosys; the Vivado project), report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from resq.estimator.kdb import KnowledgeBase, save_kdb
from resq.spec import BitConfig, load_spec

MadeUpKdb = Callable[..., KnowledgeBase]
REPO = Path(__file__).resolve().parents[1]

SMOKE = """extends: beijing-o3.yaml
name: smoke
dataset: {max_windows: 600, window: 6}
model: {d_model: 4, ffn_dim: 4, window: 6}
training: {epochs: 1, float_epochs: 2}
quantization: {candidate_bits: [4, 8]}
hardware: {parallelism: 1, multiplier: dsp, storage: search}
search: {method: ilp, top_k: 2}
budget: {latency_cycles: 200000}
deploy: {targets: [sim, yosys, vivado], test_windows: 12, rtl_windows: 4}
"""


@pytest.fixture
def smoke_project(tmp_path: Path, made_up_kdb: MadeUpKdb) -> Path:
    """A project with the smoke spec and a made-up knowledge base of its model shape."""
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    spec = tmp_path / "specs" / "smoke.yaml"
    spec.write_text(SMOKE)
    loaded = load_spec(spec)
    kdb: KnowledgeBase | None = None
    for bits in (4, 8):
        for storage in ("block", "distributed"):
            quantization = loaded.spec.quantization.model_copy(update={"default_bits": bits})
            config = BitConfig.from_spec(loaded.spec.model_copy(update={
                "quantization": quantization})).with_hardware(1, "dsp", storage)  # fmt: skip
            made = made_up_kdb(config, lut=10.0 * bits, spec=spec)
            kdb = made if kdb is None else KnowledgeBase(
                **(kdb.model_dump() | {"entries": kdb.entries | made.entries}))  # fmt: skip
    assert kdb is not None
    (tmp_path / "kdb").mkdir()
    save_kdb(tmp_path / "kdb" / "xc7-yosys-test.json", kdb)
    return tmp_path


@pytest.mark.usefixtures("synthesis_tools", "fusesoc_tools", "verilator")
def test_a_tiny_spec_runs_through_every_stage_to_a_report(
    smoke_project: Path, beijing_home: Path, browser: str, tmp_path: Path
) -> None:
    env = {**os.environ, "RESQ_DATA_HOME": str(beijing_home),
           "RESQ_KDB_HOME": str(smoke_project / "kdb")}  # fmt: skip
    run_dir = smoke_project / "runs" / "smoke"
    done = subprocess.run(["spec", "run", "specs/smoke.yaml", "--run-dir", str(run_dir)],
                          capture_output=True, text=True, timeout=600, env=env,
                          cwd=smoke_project)  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert set(summary["stages"]) == set(STAGES)
    _assert_table(done.stderr, "done")
    report_dir = run_dir / summary["stages"]["report"]["artifact"]
    report = json.loads((report_dir / "report.json").read_text())
    assert report["bit_exact"] == report["netlist_exact"] == "12/12" and report["all_exact"]
    assert report["rtl_exact"] == "4/4" and report["test_split"] > 1000
    sources = [row["source"] for row in report["resources"]]
    assert sources == ["estimate (search)", "Yosys synth_xilinx"]
    yosys = report["resources"][1]
    assert yosys["values"]["total_lut"] == yosys["values"]["lut"] + yosys["values"]["lutram"] > 0
    assert report["synthesis_notes"]["Vivado synthesis"].startswith(
        "the vivado route needs tools that are not installed: vivado"
    )
    forms = [row["form"] for row in report["accuracy"]]
    assert forms == ["deployed: integer reference (chosen candidate)",
                     "fake-quant (chosen candidate)", "float parent (same seed)",
                     "uniform 8-bit (integer reference, the search's parent)",
                     "ridge regression (same windows, flattened)",
                     "gradient-boosted trees (same windows, flattened)"]  # fmt: skip
    assert [row["deployed"] for row in report["accuracy"]] == [True] + [False] * 5
    assert sum(c["chosen"] for c in report["candidates"]) == 1 and len(report["candidates"]) == 2
    manifest = json.loads((report_dir / "manifest.json").read_text())
    assert set(manifest["stage_keys"]) == set(summary["stages"]) - {"report", "search"}
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["vhdl_sha256"])
    assert list(manifest["data_sha256"]) == ["PRSA_Data_Dongsi_20130301-20170228.csv"]
    assert {"ghdl", "yosys", "torch", "python", "resq-deploy"} <= set(manifest["versions"])
    for plot in ("training.png", "pareto.png", "nodes.png", "sensitivity.png"):
        assert (report_dir / plot).stat().st_size > 5000, plot
    text = (report_dir / "report.md").read_text()
    assert f"12/12 of {report['test_split']} in the test split (100 % bit-exact)" in text
    assert "![Per node](nodes.png)" in text
    latest = run_dir / "report.html"
    assert latest.is_symlink() and latest.resolve() == (report_dir / "report.html").resolve()
    assert f"report: {latest}" in done.stderr.splitlines()[-1], "the last line is the report"
    assert done.stderr.splitlines()[-3].startswith("deployed model: test RMSE")
    _check_in_browser(latest, browser, tmp_path)

    again = subprocess.run(["spec", "run", "specs/smoke.yaml", "--run-dir", str(run_dir)],
                           capture_output=True, text=True, timeout=300, env=env,
                           cwd=smoke_project)  # fmt: skip
    assert again.returncode == 0, again.stderr
    cached = json.loads((run_dir / "summary.json").read_text())["stages"]
    assert all(stage["cached"] for stage in cached.values()), "a second run redoes nothing"
    _assert_table(again.stderr, "cached")


STAGES = ("train", "baselines", "sensitivity", "search", "candidates", "generate", "estimate",
          "simulate", "synthesize", "report")  # fmt: skip


def _assert_table(stderr: str, status: str) -> None:
    """The summary table at the end of `spec run`: a row per stage, in order, with its
    status and (when it ran) its seconds."""
    table = stderr[stderr.rindex("spec run") :]
    seconds = r"\d+\.\d" if status == "done" else "–"
    rows = re.findall(rf"^\W*(\w+)\s+\W\s+{status}\s+\W\s+{seconds}\s", table, re.MULTILINE)
    assert tuple(rows) == STAGES, table


def _check_in_browser(page: Path, browser: str, tmp_path: Path) -> None:
    """Chromium, headless, renders the page: its text and tables are in the DOM, every
    image it shows is beside it, and the screenshot is not blank."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'chromium'}"]  # fmt: skip
    dom = subprocess.run([*command, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout  # fmt: skip
    assert "resq report: smoke" in dom and dom.count("<table>") >= 6
    assert "100 % bit-exact" in dom
    assert "gradient-boosted trees" in dom and "ridge regression" in dom  # the baselines
    assert "▶ chosen" in dom and "the chosen one starred" in dom  # the marked choice
    assert "% of the part" in dom and "of the budget:" in dom
    assert "⚠ Above 80 % of the part" in dom  # the smoke design's DSPs: 100 % of the part
    images = re.findall(r'<img [^>]*src="data:image/png;base64,[^"]+"', dom)
    assert len(images) == 4, "training, Pareto, sensitivity and per-node plots, inline"
    shot = tmp_path / "report.png"
    subprocess.run([*command, f"--screenshot={shot}", "--window-size=1000,2000", page.as_uri()],
                   capture_output=True, timeout=120, check=True)  # fmt: skip
    assert shot.stat().st_size > 20_000, "the page renders more than a blank screen"


def test_airu_without_its_file_stops_at_once_with_how_to_get_it(tmp_path: Path) -> None:
    began = time.monotonic()
    done = subprocess.run(["spec", "run", str(REPO / "specs" / "airu.yaml"), "--run-dir",
                           str(tmp_path / "run")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "RESQ_DATA_HOME": str(tmp_path / "data")})  # fmt: skip
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1 and "Traceback" not in said
    assert "stage 'train' cannot run: data file(s) airu.csv of dataset 'airu' not found" in said
    assert "Columns: timestamp, PM1, PM2_5, PM10, Temperature, Humidity, RED, NOX, OZONE" in said
    assert "running" not in said, "nothing starts"
    assert time.monotonic() - began < 30
