"""The report of a run: what was built, how accurate it is, what it uses, and the manifest.

`gather` reads the artifacts of a finished run (train, the search's stages when they ran,
generate, simulate, synthesize) into a `Report`; `write_report` writes report.md and
report.html (Jinja2 templates in resq/deploy/templates/), the PNG plots they show and
manifest.json (`RunManifest`: versions of resq, Python, torch and the tools; seeds; hashes
of the spec, data, IntModel and VHDL). Per-node resources come from resq-estimator when it
is installed and has a knowledge base of the board's family; without it the report says so.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import platform
import shutil
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import markdown
from matplotlib.figure import Figure  # no pyplot: no backend, no global state
from matplotlib.ticker import FuncFormatter, MaxNLocator
from pydantic import BaseModel, ConfigDict, Field
from resq.hdlgen.stage import CONFIG_FILE, load_generated
from resq.spec import RESOURCE_KINDS, BitConfig, Resources
from resq.spec.atomic import write_json_atomic, write_text_atomic
from resq.spec.components import COMPONENTS, WEIGHTLESS
from resq.spec.graph import node_components
from resq.spec.resources import CROWDED, NODE_ESTIMATES_FILE, NodeEstimates
from resq.spec.runner import RECORD_FILE
from resq.spec.spec import LoadedSpec
from resq.spec.stage import CHOSEN, distribution_version

logging.getLogger("matplotlib").setLevel(logging.WARNING)

RESQ_DISTRIBUTIONS = ("resq-spec", "resq-qat", "resq-estimator", "resq-optimizer",
                      "resq-hdlgen", "resq-deploy")  # fmt: skip
RESOURCE_COLUMNS = ("lut", "lutram", "total_lut", "ff", "bram36", "dsp")
"""The resource columns of the report: logic LUTs, LUT-RAM, their sum (the fit rule), …"""


class AccuracyRow(BaseModel):
    """Test error of one form of the model (or of a baseline), in the target's unit."""

    form: str
    rmse: float
    mae: float | None = None
    deployed: bool = Field(False, description="the model the hardware computes")


class ResourceRow(BaseModel):
    """Resources of the whole design by one source (estimate, Yosys, Vivado)."""

    source: str
    values: dict[str, float] = Field(description="RESOURCE_COLUMNS → count")
    percent: dict[str, float] = Field(description="RESOURCE_COLUMNS → % of the part")
    crowded: list[str] = Field(description=f"RESOURCE_COLUMNS above {CROWDED:.0%} of the part")
    of_budget: dict[str, float] = Field(description="budgeted resource (`lut`: logic + "
                                        "LUT-RAM) → % of its budget")  # fmt: skip
    fits: bool
    exceeded: list[str]


class CandidateRow(BaseModel):
    """One configuration the search handed to training, as the candidates stage measured it."""

    rank: int
    objective: float
    widths: str = Field(description="how many width sources at each width, e.g. `4b×12 8b×7`")
    validation_rmse: float
    rmse: float
    total_lut: float
    cycles: float
    chosen: bool


class NodeRow(BaseModel):
    """One node as built: its hardware, simulated cycles and, when estimated, resources."""

    node: str
    parallelism: int
    multiplier: str
    storage: str
    cycles: int | None = None
    resources: dict[str, float] | None = None


class RunManifest(BaseModel):
    """What a run was made with: enough to reproduce it or to tell two runs apart."""

    model_config = ConfigDict(frozen=True)

    versions: dict[str, str] = Field(description="resq distributions, Python, torch, tools")
    seed: int
    spec_sha256: str = Field(description="of the resolved spec (parents merged, as JSON)")
    data_sha256: dict[str, str] = Field(description="data file → SHA-256")
    intmodel_sha256: str = Field(description="of the IntModel generate built (json + npz)")
    vhdl_sha256: str = Field(description="of every generated .vhd file, by name")
    stage_keys: dict[str, str] = Field(description="stage → cache key of its artifact")


class Report(BaseModel):
    """Everything report.md and report.html show."""

    spec_name: str
    spec_file: str
    model: str
    dataset: str
    board: str
    clock_mhz: float
    budget: dict[str, float]
    unit: str
    config: BitConfig
    searched: bool
    accuracy: list[AccuracyRow]
    bit_exact: str | None = Field(description="matches/windows of the widest simulation")
    all_exact: bool
    rtl_exact: str | None = Field(description="matches/windows of the RTL (GHDL)")
    netlist_exact: str | None = Field(description="matches/windows of the netlist (Verilator)")
    test_split: int = Field(description="windows in the test split")
    cycles: int | None
    latency_us: float | None
    resources: list[ResourceRow]
    candidates: list[CandidateRow] = Field(default_factory=list)
    nodes: list[NodeRow]
    architecture: str = Field("dataflow", description="the hardware architecture, in words")
    schedule: list[str] = Field(default_factory=list,
                                description="engine: its program's ops in order")  # fmt: skip
    node_estimate: str = Field(description="where the per-node resources come from, or why none")
    synthesis_notes: dict[str, str] = Field(
        default_factory=dict, description="route title → why it did not run, or its timing "
        "and power")  # fmt: skip
    plots: dict[str, str] = Field(default_factory=dict, description="title → PNG file name")
    manifest: RunManifest


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _digest(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def resource_row(source: str, resources: Resources, loaded: LoadedSpec) -> ResourceRow:
    """One row of the resource table: counts, % of the part (those above CROWDED flagged),
    % of the budget, the fit verdict (true rule)."""
    capacity, limits = loaded.board.capacity, loaded.limits()
    values = {kind: float(getattr(resources, kind)) for kind in RESOURCE_KINDS}
    values["total_lut"] = float(resources.total_lut)
    full = {kind: float(getattr(capacity, kind)) for kind in RESOURCE_KINDS}
    full["total_lut"] = float(capacity.lut)
    percent = {k: round(100 * v / full[k], 1) for k, v in values.items() if full.get(k)}
    crowded = ["total_lut" if kind == "lut" else kind for kind in resources.crowded(capacity)]
    of_budget = {kind: round(100 * used / limit, 1) for kind, used in resources.usage().items()
                 if (limit := float(getattr(limits, kind)))}  # fmt: skip
    return ResourceRow(source=source, values=values, percent=percent, crowded=crowded,
                       of_budget=of_budget, fits=resources.fits(limits),
                       exceeded=resources.exceeded(limits))  # fmt: skip


def _node_estimates(inputs: dict[str, Path]) -> tuple[dict[str, Resources], str]:
    """Per-node resources from the `estimate` stage's artifact, or none and why."""
    if "estimate" not in inputs:
        return {}, "no estimate stage installed (resq-estimator)"
    found = NodeEstimates.model_validate_json(
        (inputs["estimate"] / NODE_ESTIMATES_FILE).read_bytes())  # fmt: skip
    return dict(found.nodes), found.source


def _synthesis_text(found: dict[str, Any]) -> str | None:
    """What one synthesis route did beyond its resources: why it did not run, or its timing
    and power; None when there is nothing more to say."""
    if not found.get("ran"):
        return str(found.get("why", "did not run"))
    said = []
    if timing := found.get("timing"):
        said.append(f"post-synthesis WNS {timing['wns_ns']:.3f} ns at {timing['clock']} "
                    f"({1000 / timing['period_ns']:g} MHz; met: {'yes' if timing['met'] else 'no'}), "
                    f"achievable clock {timing['fmax_mhz']:.1f} MHz")  # fmt: skip
    if power := found.get("power"):
        said.append(f"on-chip power {power['total_w']:.3f} W (dynamic {power['dynamic_w']:.3f} W, "
                    f"vectorless, confidence {power['confidence']})")  # fmt: skip
    return "; ".join(["synthesized out of context", *said]) if said else None


def gather(loaded: LoadedSpec, inputs: dict[str, Path]) -> Report:
    """The report of the run whose stage artifacts are `inputs` (stage → folder)."""
    spec = loaded.spec
    generated = load_generated(inputs["generate"])
    config = BitConfig.model_validate_json((inputs["generate"] / CONFIG_FILE).read_bytes())
    metrics = _json(inputs["train"] / "metrics.json")
    unit = loaded.manifest.units.get(spec.dataset.target, "") if loaded.manifest else ""
    float_row = [AccuracyRow(form="float parent (same seed)", rmse=metrics["float"]["rmse"],
                             mae=metrics["float"]["mae"])] if "float" in metrics else []  # fmt: skip
    resources: list[ResourceRow] = []
    if "candidates" in inputs:
        candidates = _json(inputs["candidates"] / "candidates.json")
        chosen = next(r for r in candidates["rows"] if r["rank"] == candidates["chosen"])
        parent = loaded.bit_config()
        accuracy = [AccuracyRow(form="deployed: integer reference (chosen candidate)",
                                rmse=chosen["rmse"], mae=chosen["mae"], deployed=True),
                    AccuracyRow(form="fake-quant (chosen candidate)",
                                rmse=chosen["fake_quant_rmse"], mae=chosen.get("fake_quant_mae")),
                    *float_row,
                    AccuracyRow(form=f"{_widths(parent)} (integer reference, the search's parent)",
                                rmse=metrics["intref"]["rmse"], mae=metrics["intref"]["mae"])]  # fmt: skip
        totals = {k: v for k, v in chosen["totals"].items() if k in RESOURCE_KINDS}
        resources.append(resource_row("estimate (search)", Resources(**totals), loaded))
        tried = [CandidateRow(rank=row["rank"], objective=row["objective"],
                              widths=_histogram(row["widths"]),
                              validation_rmse=row["validation_rmse"], rmse=row["rmse"],
                              total_lut=row["lut"], cycles=row["cycles"],
                              chosen=row["rank"] == chosen["rank"])
                 for row in candidates["rows"]]  # fmt: skip
    else:
        accuracy = [AccuracyRow(form="deployed: integer reference", rmse=metrics["intref"]["rmse"],
                                mae=metrics["intref"]["mae"], deployed=True),
                    AccuracyRow(form="fake-quant", rmse=metrics["fake_quant"]["rmse"],
                                mae=metrics["fake_quant"]["mae"]), *float_row]  # fmt: skip
        tried = []
    if "baselines" in inputs:
        fitted = _json(inputs["baselines"] / "baselines.json")
        accuracy += [AccuracyRow(form=label, rmse=fitted[name]["rmse"], mae=fitted[name]["mae"])
                     for name, label in BASELINES.items() if name in fitted]  # fmt: skip
    simulated = _json(inputs["simulate"] / "simulation.json") if "simulate" in inputs else None
    simulation = simulated and (simulated["netlist"] or simulated["rtl"])
    notes: dict[str, str] = {}
    if "synthesize" in inputs:
        synthesis = _json(inputs["synthesize"] / "synthesis.json")
        for route, found in synthesis.items():  # in the order of deploy.targets
            title = found.get("title", route)
            if found.get("resources"):
                resources.append(resource_row(title, Resources(**found["resources"]), loaded))
            if (note := _synthesis_text(found)) is not None:
                notes[title] = note
    estimates, source = _node_estimates(inputs)
    if estimates and not any(r.source.startswith("estimate") for r in resources):
        total = Resources()
        for node in estimates.values():
            total += node.model_copy(update={"cycles": None})
        resources.insert(0, resource_row("estimate (sum of nodes)", total, loaded))
    node_cycles = simulation["node_cycles"] if simulation else {}
    nodes = [NodeRow(node=name, parallelism=choice.parallelism, multiplier=choice.multiplier,
                     storage=choice.storage, cycles=node_cycles.get(name),
                     resources=None if name not in estimates else
                     {k: float(getattr(estimates[name], k)) for k in ("lut", "lutram", "ff",
                                                                       "bram36", "dsp")})
             for name in node_components(spec.model.n_layers)
             for choice in (generated.nodes[name],)]  # fmt: skip
    cycles = int(simulation["cycles"]) if simulation else None
    bit_exact = _exact(simulation)
    return Report(
        spec_name=spec.name, spec_file=str(loaded.path), dataset=_dataset(loaded),
        model=(f"Transformer, {spec.model.n_layers} layer(s), d_model {spec.model.d_model}, "
               f"{spec.model.n_heads} head(s), FFN {spec.model.ffn_dim}, window "
               f"{spec.model.window} × {spec.model.n_features} features"),
        board=f"{loaded.board.title} ({loaded.board.part})", clock_mhz=loaded.clock_mhz,
        budget={k: float(v) for k, v in loaded.limits().model_dump().items() if v is not None},
        unit=unit, config=config, searched="candidates" in inputs, accuracy=accuracy,
        bit_exact=bit_exact,
        rtl_exact=_exact(simulated["rtl"]) if simulated else None,
        netlist_exact=_exact(simulated["netlist"]) if simulated else None,
        test_split=int(_json(inputs["train"] / RECORD_FILE)["summary"]["test_windows"]),
        all_exact=bool(simulation and simulation["matches"] == simulation["total"]),
        cycles=cycles, latency_us=None if cycles is None else cycles / loaded.clock_mhz,
        resources=resources, candidates=tried, nodes=nodes, architecture=_architecture(config),
        schedule=generated.engine_ops, node_estimate=source, synthesis_notes=notes,
        manifest=run_manifest(loaded, inputs),
    )  # fmt: skip


def _architecture(config: BitConfig) -> str:
    """The architecture a configuration builds, in words."""
    if config.engine is None:
        return "dataflow (every node its own IP, run one after another)"
    e = config.engine
    return (f"engine (one shared datapath: {e.lanes} lanes, {e.multiplier} multipliers, "
            f"{e.storage} tensor memory; docs/engine.md)")  # fmt: skip


def headline(report: Report) -> list[str]:
    """The deployed model in two lines: its accuracy beside its float parent and the
    baselines, and its hardware (bit-exactness, latency, resources, fit)."""
    unit = f" {report.unit}" if report.unit else ""
    deployed = next(row for row in report.accuracy if row.deployed)
    others = [row for row in report.accuracy if not row.deployed and not
              row.form.startswith("fake-quant")]  # fmt: skip
    parent = next((row for row in others if row.form.startswith("float parent")), None)
    ratio = (f", × {deployed.rmse / parent.rmse:.3f} its float parent's {parent.rmse:.2f}"
             if parent else "")  # fmt: skip
    beside = "; ".join(f"{row.form.split(' (')[0]} {row.rmse:.2f}" for row in others
                       if row is not parent)  # fmt: skip
    mae = "" if deployed.mae is None else f", MAE {deployed.mae:.2f}"
    lines = [f"deployed model: test RMSE {deployed.rmse:.2f}{unit}{mae}{ratio} ({beside})"]
    hardware = []
    if report.bit_exact is not None:
        hardware.append(f"bit-exact on {report.bit_exact} test windows")
    if report.cycles is not None and report.latency_us is not None:
        hardware.append(f"{report.cycles:,} cycles ({report.latency_us:.1f} µs at "
                        f"{report.clock_mhz:g} MHz)")  # fmt: skip
    if report.resources:
        row = report.resources[-1]  # synthesis where it ran, else the estimate
        values = row.values
        hardware.append(f"{row.source}: {values['total_lut']:,.0f} LUT ({row.percent.get('total_lut', 0)} % "
                        f"of the part), {values['dsp']:,.0f} DSP, {values['bram36']:g} BRAM36, "
                        f"{'fits the budget' if row.fits else 'does NOT fit: ' + ', '.join(row.exceeded)}")  # fmt: skip
        if row.crowded:
            hardware.append(f"above {CROWDED:.0%} of the part: {', '.join(row.crowded)}")
    lines.append("hardware: " + "; ".join(hardware))
    return lines


BASELINES = {
    "ridge": "ridge regression (same windows, flattened)",
    "boosted_trees": "gradient-boosted trees (same windows, flattened)",
}
"""The baselines stage's models and how the report names them."""


def _histogram(widths: dict[str, int]) -> str:
    """How many width sources have each width, e.g. `4b×12 8b×7`."""
    counts = Counter(widths.values())
    return " ".join(f"{bits}b×{counts[bits]}" for bits in sorted(counts))


def _widths(config: BitConfig) -> str:
    """`uniform N-bit` when every width of `config` is N, else `mixed M–N-bit`."""
    widths = {w for c in config.components.values() for w in (c.inputs, c.weights, c.outputs)}
    low, high = min(widths), max(widths)
    return f"uniform {low}-bit" if low == high else f"mixed {low}–{high}-bit"


def _exact(result: dict[str, Any] | None) -> str | None:
    return None if not result else f"{result['matches']}/{result['total']}"


def _dataset(loaded: LoadedSpec) -> str:
    spec = loaded.spec.dataset
    name = loaded.manifest.title if loaded.manifest else "?"
    return f"{name}: {', '.join(spec.files)}; target {spec.target}"


def run_manifest(loaded: LoadedSpec, inputs: dict[str, Path]) -> RunManifest:
    """Versions, seed and hashes of the run whose artifacts are `inputs`."""
    versions = {name: distribution_version(name) for name in RESQ_DISTRIBUTIONS}
    versions |= {"python": platform.python_version(), "torch": distribution_version("torch")}
    keys = {}
    for stage, folder in inputs.items():
        record = _json(folder / RECORD_FILE)
        keys[stage] = record["key"]
        for tool in ("ghdl", "yosys", "vivado", "fusesoc"):
            if tool in record["versions"]:
                versions[tool] = record["versions"][tool]
    model_dir = inputs["candidates"] / CHOSEN if "candidates" in inputs else inputs["train"]
    data = inputs["train"] / "data.json"
    generated = load_generated(inputs["generate"])
    spec_text = loaded.spec.model_dump_json().encode()
    return RunManifest(
        versions=versions, seed=loaded.spec.seed,
        spec_sha256=hashlib.sha256(spec_text).hexdigest(),
        data_sha256=_json(data) if data.is_file() else {},
        intmodel_sha256=_digest([model_dir / "intmodel.json", model_dir / "intmodel.npz"],
                                model_dir),
        vhdl_sha256=_digest(list(generated.folder.rglob("*.vhd")), generated.folder),
        stage_keys=keys,
    )  # fmt: skip


def training_plot(history: dict[str, Any], path: Path) -> bool:
    """Training and validation MSE per epoch of each phase (float, QAT) as a PNG; False when
    the history holds no epochs."""
    phases = {name: h for name, h in history.items() if h and h.get("train_mse")}
    if not phases:
        return False
    figure = Figure(figsize=(4.5 * len(phases), 3.6))
    panels = figure.subplots(1, len(phases), squeeze=False)[0]
    for axes, (name, phase) in zip(panels, phases.items(), strict=True):
        epochs = range(1, len(phase["train_mse"]) + 1)
        axes.plot(epochs, phase["train_mse"], ".-", label="training")
        axes.plot(epochs, phase["validation_mse"], ".-", label="validation")
        axes.axvline(phase["best_epoch"], color="0.6", linestyle=":", label="kept")
        axes.set_yscale("log")
        axes.set_xlabel("epoch")
        axes.set_ylabel("MSE (scaled target)")
        axes.set_title({"float": "float", "qat": "QAT"}.get(name, name))
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return True


def nodes_plot(nodes: list[NodeRow], path: Path) -> None:
    """Cycles per node and, when estimated, LUTs (logic + LUT-RAM) per node, as a PNG."""
    names = [n.node for n in nodes]
    estimated = all(n.resources is not None for n in nodes)
    figure = Figure(figsize=(max(6.0, 0.5 * len(names)), 6.5 if estimated else 3.6))
    panels = figure.subplots(2 if estimated else 1, 1, squeeze=False)[:, 0]
    panels[0].bar(names, [n.cycles or 0 for n in nodes], color="C1")
    panels[0].set_ylabel("cycles (simulated)")
    if estimated:
        panels[1].bar(names, [(n.resources or {}).get("lut", 0) + (n.resources or {}).get(
            "lutram", 0) for n in nodes], color="C0")  # fmt: skip
        panels[1].set_ylabel("LUTs (estimate)")
    for axes in panels:
        axes.tick_params(axis="x", rotation=70, labelsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


PARETO_AXES = {"lut": "total LUTs (logic + LUT-RAM)", "cycles": "cycles per inference"}


def pareto_plot(candidates: dict[str, Any], fronts: dict[str, list[int]], unit: str,
                path: Path) -> bool:  # fmt: skip
    """Test RMSE of every candidate (candidates.json) against each cost of PARETO_AXES, its
    Pareto front (`fronts[axis]`: ranks) as a line and the chosen candidate marked, as a PNG;
    an axis on which every candidate costs the same is said in the title, not drawn. False
    when no axis varies."""
    rows = candidates["rows"]
    chosen = next(r for r in rows if r["rank"] == candidates["chosen"])
    varied = {axis: label for axis, label in PARETO_AXES.items()
              if len({r[axis] for r in rows}) > 1}  # fmt: skip
    if not varied:
        return False
    same = [f"all {rows[0][axis]:,.0f} {label.split(' (')[0]}"
            for axis, label in PARETO_AXES.items() if axis not in varied]  # fmt: skip
    figure = Figure(figsize=(5.0 * len(varied), 4.0))
    panels = figure.subplots(1, len(varied), squeeze=False)[0]
    by_rank = {r["rank"]: r for r in rows}
    for axes, (axis, label) in zip(panels, varied.items(), strict=True):
        axes.scatter([r[axis] for r in rows], [r["rmse"] for r in rows], color="0.6",
                     label="candidates")  # fmt: skip
        front = sorted((by_rank[k] for k in fronts.get(axis, []) if k in by_rank),
                       key=lambda r: r[axis])  # fmt: skip
        axes.plot([r[axis] for r in front], [r["rmse"] for r in front], "o-", color="C0",
                  label="Pareto front")  # fmt: skip
        axes.scatter([chosen[axis]], [chosen["rmse"]], marker="*", s=260, color="C3",
                     zorder=3, label=f"chosen (rank {chosen['rank']})")  # fmt: skip
        values = [r[axis] for r in rows]
        middle, span = (max(values) + min(values)) / 2, max(values) - min(values)
        if span < 0.04 * middle:  # a narrow spread: show it against ±2 % of the cost
            axes.set_xlim(middle * 0.98, middle * 1.02)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=4))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        axes.set_xlabel(label)
        axes.set_ylabel(f"test RMSE ({unit})" if unit else "test RMSE")
        axes.legend(fontsize=8)
    if same:
        figure.suptitle(f"candidates: {'; '.join(same)}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return True


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("resq.deploy", "templates"),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False,
    )  # fmt: skip


def render_report(report: Report, images: dict[str, bytes] | None = None) -> tuple[str, str]:
    """(Markdown, HTML) of `report`: the Markdown template, and the same text as HTML in a
    page of its own, with `images` (file name → PNG bytes of the plots) inline, so that the
    page shows them wherever it is opened or linked from."""
    context = {"r": report, "components": COMPONENTS, "columns": RESOURCE_COLUMNS,
               "weightless": WEIGHTLESS, "crowded": CROWDED}  # fmt: skip
    text = _environment().get_template("report.md.j2").render(**context)
    body = markdown.markdown(text, extensions=["tables"])
    for name, data in (images or {}).items():
        inline = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        body = body.replace(f'src="{name}"', f'src="{inline}"')
    page = _environment().get_template("report.html.j2").render(
        title=html.escape(report.spec_name), body=body)  # fmt: skip
    return text, page


def write_report(report: Report, inputs: dict[str, Path], out: Path) -> None:
    """report.md, report.html, their PNG plots and manifest.json in `out`."""
    plots: dict[str, str] = {}
    if training_plot(_json(inputs["train"] / "history.json"), out / "training.png"):
        plots["Training curves"] = "training.png"
    if "candidates" in inputs:
        candidates = _json(inputs["candidates"] / "candidates.json")
        fronts = _json(inputs["candidates"] / "pareto.json")
        if pareto_plot(candidates, fronts, report.unit, out / "pareto.png"):
            plots["Pareto front of the candidates (the chosen one starred)"] = "pareto.png"
    if "sensitivity" in inputs and (inputs["sensitivity"] / "sensitivity.png").is_file():
        shutil.copyfile(inputs["sensitivity"] / "sensitivity.png", out / "sensitivity.png")
        plots["Sensitivity of each width choice"] = "sensitivity.png"
    nodes_plot(report.nodes, out / "nodes.png")
    plots["Per node"] = "nodes.png"
    report = report.model_copy(update={"plots": plots})
    text, page = render_report(report, {name: (out / name).read_bytes()
                                        for name in plots.values()})  # fmt: skip
    write_text_atomic(out / "report.md", text)
    write_text_atomic(out / "report.html", page)
    write_json_atomic(out / "manifest.json", report.manifest.model_dump(mode="json"))
    write_json_atomic(out / "report.json", report.model_dump(mode="json"))
