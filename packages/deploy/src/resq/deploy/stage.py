"""The `synthesize` stage of `spec run`: the generated model through Yosys and Vivado.

Artifact: `synthesis.json`, per route that ran (`yosys`; `vivado` where it is on PATH) the
resources of the whole model, the fit verdict by the true rule against the budget, what is
exceeded, and the use of the board in % of its capacity; and `vivado/`, the Vivado project of
the model's `synth` target (the board's part, the XDC clock at the spec's clock, out-of-context
synthesis), written whether or not Vivado is here: without it the summary says so and the
project is ready for a machine that has it (`make` in that folder). Where Vivado ran, its
post-synthesis timing (WNS at the spec's clock, the achievable clock) and vectorless power
are in `synthesis.json` too. Vivado runs synthesis only: implementation and a bitstream
need the board's pins, which no board file gives yet (`deploy.vivado.stop_after` refuses
them at validation).

The `report` stage (resq.deploy.report): report.md, report.html, their plots and
manifest.json from the artifacts of the run.
"""

from __future__ import annotations

import shutil
from typing import Any

from resq.deploy.edam_estimate import estimate_core
from resq.deploy.fusesoc import run_target
from resq.deploy.report import gather, headline, write_report
from resq.deploy.vivado import synthesize_core, vivado_version
from resq.deploy.yosys import SYNTHESIS_TOOLS, ToolError, toolchain_versions
from resq.hdlgen.cores import cores_digest, cores_root
from resq.hdlgen.stage import load_generated
from resq.spec import Resources, StageError
from resq.spec.atomic import write_json_atomic
from resq.spec.progress import status
from resq.spec.spec import LoadedSpec
from resq.spec.stage import HEADLINE, LATEST, Stage, StageContext, distribution_version
from resq.spec.tools import Tool

SYNTHESIS_FILE = "synthesis.json"
TIMEOUT_S = 4 * 3600
"""Longest a whole-model synthesis may take (Yosys on the airu model: 5–40 min here)."""


def _vivado() -> str:
    try:
        return vivado_version()
    except ToolError:
        return "missing"


def _open_route() -> dict[str, str]:
    """The open-source route's versions; `missing` where it is not installed (a run that
    synthesizes with Yosys checks for its tools before it starts)."""
    try:
        return toolchain_versions()
    except ToolError:
        return {tool.executable: "missing" for tool in SYNTHESIS_TOOLS}


def verdict(resources: Resources, loaded: LoadedSpec) -> dict[str, Any]:
    """Resources, whether they fit the spec's budget (the true rule), what is over, and the
    use of the board's capacity (0..1 per resource)."""
    limits = loaded.limits()
    return {"resources": resources.model_dump(mode="json"), "fits": resources.fits(limits),
            "exceeded": resources.exceeded(limits),
            "utilisation": resources.utilisation(loaded.board.capacity)}  # fmt: skip


class SynthesizeStage(Stage):
    """Yosys resources of the generated model, and its Vivado project (run where installed)."""

    name = "synthesize"
    inputs = ("generate",)
    after = ("simulate",)
    sections = ("board", "budget", "deploy", "hardware")
    tools = SYNTHESIS_TOOLS

    def required_tools(self, loaded: LoadedSpec) -> tuple[Tool, ...]:
        """GHDL and Yosys for the `yosys` target; Vivado, user-installed, runs where found."""
        return self.tools if "yosys" in loaded.spec.deploy.targets else ()

    def applies(self, loaded: LoadedSpec) -> str | None:
        if {"yosys", "vivado"} & set(loaded.spec.deploy.targets):
            return None
        return "deploy.targets names neither yosys nor vivado"

    def versions(self) -> dict[str, str]:
        return {"resq-deploy": distribution_version("resq-deploy"),
                "cores": cores_digest(cores_root()), "vivado": _vivado(),
                **_open_route()}  # fmt: skip

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        targets = set(loaded.spec.deploy.targets)
        generated = load_generated(context.inputs["generate"])
        roots = [cores_root(), generated.folder]
        result: dict[str, Any] = {}
        summary: dict[str, Any] = {}
        try:
            if "yosys" in targets:
                with status(f"Yosys synth_xilinx of {generated.vlnv} (minutes)"):
                    report = estimate_core(generated.vlnv, roots, {}, TIMEOUT_S)
                result["yosys"] = verdict(report.resources, loaded) | {"seconds": report.seconds}
                summary |= {"yosys_total_lut": report.resources.total_lut,
                            "yosys_dsp": report.resources.dsp,
                            "yosys_bram36": report.resources.bram36,
                            "yosys_fits": result["yosys"]["fits"]}  # fmt: skip
            if "vivado" in targets:
                with run_target("synth", generated.vlnv, roots, {}, 600, setup_only=True) as b:
                    projects = list(b.glob("*/synth-vivado"))
                    if len(projects) != 1:
                        raise ToolError(f"FuseSoC wrote {len(projects)} Vivado projects")
                    shutil.copytree(projects[0], context.out_dir / "vivado")
                if shutil.which("vivado") is None:
                    result["vivado"] = {"ran": False, "why": "vivado is not on PATH; the "
                                        "project is in vivado/ (make there)"}  # fmt: skip
                else:
                    with status(f"Vivado synthesis of {generated.vlnv}"):
                        done = synthesize_core(generated.vlnv, roots, {}, TIMEOUT_S)
                    result["vivado"] = verdict(done.resources, loaded) | {
                        "ran": True, "seconds": done.seconds,
                        "timing": done.timing and done.timing.model_dump(mode="json"),
                        "power": done.power and done.power.model_dump(mode="json")}  # fmt: skip
                    summary |= {"vivado_total_lut": done.resources.total_lut,
                                "vivado_fits": result["vivado"]["fits"]}  # fmt: skip
                    if done.timing:
                        summary |= {"vivado_wns_ns": done.timing.wns_ns,
                                    "vivado_fmax_mhz": round(done.timing.fmax_mhz, 1)}  # fmt: skip
                    if done.power:
                        summary["vivado_power_w"] = done.power.total_w
                summary["vivado"] = "ran" if result["vivado"].get("ran") else "project only"
        except ToolError as e:
            raise StageError(f"synthesis of {generated.vlnv}: {e}") from e
        write_json_atomic(context.out_dir / SYNTHESIS_FILE, result)
        return summary


class ReportStage(Stage):
    """report.md and report.html of the run, their plots and the run manifest."""

    name = "report"
    inputs = ("train", "generate", "simulate")
    optional_inputs = ("estimate",)
    after = ("synthesize",)
    sections = ("board", "budget")

    def upstream(self, loaded: LoadedSpec) -> tuple[str, ...]:
        searched = (("sensitivity", "candidates") if loaded.search_skipped() is None
                    else ())  # fmt: skip
        built = ("synthesize",) if SynthesizeStage().applies(loaded) is None else ()
        return ("train", "baselines", *searched, "generate", "simulate", *built)

    def versions(self) -> dict[str, str]:
        return {"resq-deploy": distribution_version("resq-deploy")}

    def run(self, context: StageContext) -> dict[str, Any]:
        inputs = dict(context.inputs)
        report = gather(context.loaded, inputs)
        write_report(report, inputs, context.out_dir)
        summary: dict[str, Any] = {"report": "report.html", "bit_exact": report.bit_exact}
        for row in report.resources:
            summary[f"fits ({row.source})"] = row.fits
        return summary | {LATEST: ["report.html"], HEADLINE: headline(report)}
