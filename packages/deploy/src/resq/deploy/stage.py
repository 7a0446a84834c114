"""The `synthesize` stage of `spec run`: the generated model through each synthesis route
(resq.deploy.route) that `deploy.targets` names: Yosys, and Vivado where installed.

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

from typing import Any

from resq.deploy.report import gather, headline, write_report
from resq.deploy.route import SynthesisRoute, ToolError, synthesis_routes, target_checks
from resq.hdlgen.cores import cores_digest, cores_root
from resq.hdlgen.stage import load_generated
from resq.spec import Resources, StageError
from resq.spec.atomic import write_json_atomic
from resq.spec.progress import status
from resq.spec.spec import LoadedSpec
from resq.spec.stage import HEADLINE, LATEST, Stage, StageContext, distribution_version
from resq.spec.tools import Tool, unique

SYNTHESIS_FILE = "synthesis.json"
TIMEOUT_S = 4 * 3600
"""Longest a whole-model synthesis may take (Yosys on the airu model: 5–40 min here)."""

ROUTES = synthesis_routes()
"""The installed synthesis routes (entry-point group resq.synthesis_routes), by name."""


def verdict(resources: Resources, loaded: LoadedSpec) -> dict[str, Any]:
    """Resources, whether they fit the spec's budget (the true rule), what is over, and the
    use of the board's capacity (0..1 per resource)."""
    limits = loaded.limits()
    return {"resources": resources.model_dump(mode="json"), "fits": resources.fits(limits),
            "exceeded": resources.exceeded(limits),
            "utilisation": resources.utilisation(loaded.board.capacity)}  # fmt: skip


def _routes(loaded: LoadedSpec) -> list[SynthesisRoute]:
    """The installed routes the spec's `deploy.targets` name, in the spec's order."""
    return [ROUTES[name] for name in loaded.spec.deploy.targets if name in ROUTES]


class SynthesizeStage(Stage):
    """The generated model through every synthesis route `deploy.targets` names (Yosys; Vivado
    where installed, its project everywhere)."""

    name = "synthesize"
    inputs = ("generate",)
    after = ("simulate",)
    sections = ("board", "budget", "deploy", "hardware")
    tools = tuple(unique(tool for route in ROUTES.values() for tool in route.tools))

    def required_tools(self, loaded: LoadedSpec) -> tuple[Tool, ...]:
        """The tools of the routes a run needs; the others run where they are found."""
        return tuple(unique(t for r in _routes(loaded) if r.required for t in r.tools))

    def preflight(self, loaded: LoadedSpec) -> str | None:
        errors, _ = target_checks(loaded)
        return "\n".join(errors) or None

    def applies(self, loaded: LoadedSpec) -> str | None:
        if _routes(loaded):
            return None
        return f"deploy.targets names no synthesis route (installed: {', '.join(ROUTES)})"

    def versions(self) -> dict[str, str]:
        versions = {"resq-deploy": distribution_version("resq-deploy"),
                    "cores": cores_digest(cores_root())}  # fmt: skip
        for route in ROUTES.values():
            versions |= route.versions_or_missing()
        return versions

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        generated = load_generated(context.inputs["generate"])
        roots = [cores_root(), generated.folder]
        result: dict[str, Any] = {}
        summary: dict[str, Any] = {}
        try:
            for route in _routes(loaded):
                name = route.name
                project = route.write_project(generated.vlnv, roots, context.out_dir / name)
                why = route.unavailable()
                if why is not None:  # only a route that is not required gets here
                    where = f"; the project is in {name}/ (make there)" if project else ""
                    result[name] = {"title": route.title, "ran": False, "why": why + where}
                    summary[name] = "project only" if project else "not run"
                    continue
                with status(f"{route.title} of {generated.vlnv} (minutes)"):
                    done = route.synthesize(generated.vlnv, roots, {}, TIMEOUT_S)
                result[name] = {"title": route.title, "ran": True, "seconds": done.seconds,
                                **verdict(done.resources, loaded),
                                "timing": done.timing and done.timing.model_dump(mode="json"),
                                "power": done.power and done.power.model_dump(mode="json")}  # fmt: skip
                summary |= {f"{name}_total_lut": done.resources.total_lut,
                            f"{name}_dsp": done.resources.dsp,
                            f"{name}_bram36": done.resources.bram36,
                            f"{name}_fits": result[name]["fits"], name: "ran"}  # fmt: skip
                if done.timing:
                    summary |= {f"{name}_wns_ns": done.timing.wns_ns,
                                f"{name}_fmax_mhz": round(done.timing.fmax_mhz, 1)}  # fmt: skip
                if done.power:
                    summary[f"{name}_power_w"] = done.power.total_w
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
