"""The search problem: widths of tensors and hardware of nodes that fit a budget, best first.

A configuration chooses a width for every *source* (`Linput.inputs`, the model input; each
component's `weights` and `outputs`; `softmax`: the probability width) and for every node a
PAR, multiplier and storage style, all from the score tables' `Space`. A component's
`inputs` are not a choice: they are its producer's `outputs` (`width_source`). The budget
bounds total LUTs (logic + LUT-RAM, the fit rule), LUT-RAM, FF, BRAM36, DSP and cycles.
The objective is the weighted sum of the spec's `search.objective` terms, each in 0..1:
sensitivity (the costs given per source and width over the largest possible), mean width,
cycles over the budget's, and the largest fraction of a budgeted resource used (weighted
`TIE_BREAK` when the spec weights it 0, so that ties go to the smaller design).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from resq.estimator.profile import NodeBlock
from resq.estimator.tables import COLUMNS, Tables
from resq.spec import BitConfig, NodeHardware, Resources, ResqError
from resq.spec.bitconfig import PRODUCER, NodeChoice
from resq.spec.components import ComponentName
from resq.spec.quantization import ComponentQuantization
from resq.spec.search import ObjectiveWeights
from resq.spec.spec import Spec

SOFTMAX = "softmax"
TIE_BREAK = 1e-4
"""The weight of `area` when the spec gives it none: of configurations the spec's objective
ranks (nearly) equal, the smaller is better, a routing margin beyond the budget's."""
LIMITED = ("lut", "lutram", "ff", "bram36", "dsp", "cycles")
"""What a budget bounds; `lut` is logic + LUT-RAM."""

BUDGET_FIELDS = {"lut": ("budget.lut", "LUTs (logic + LUT-RAM)"),
                 "lutram": ("budget.lutram", "LUT-RAM"), "ff": ("budget.ff", "FFs"),
                 "bram36": ("budget.bram36", "BRAM36"), "dsp": ("budget.dsp", "DSPs"),
                 "cycles": ("budget.latency_cycles (or latency_us)", "cycles")}  # fmt: skip
"""Each limited resource: the spec field that sets its limit, and its unit in messages."""


class NothingFitsError(ResqError):
    """No configuration satisfies the budget."""


def width_source(where: str) -> str:
    """The choice a width stands for: `X.inputs` is X's producer's `outputs` (Linput's
    inputs are the model input's own choice); other roles and `softmax` are themselves."""
    component, _, role = where.partition(".")
    if role == "inputs" and component != "Linput":
        return f"{PRODUCER[component]}.outputs"  # type: ignore[index]
    return where


def source_component(source: str) -> str:
    """The component a width source belongs to (the softmax's is MHA)."""
    return "MHA" if source == SOFTMAX else source.split(".")[0]


def sources(blocks: Sequence[NodeBlock]) -> list[str]:
    """The width sources of a model whose node blocks are `blocks`, in order: every node's
    roles, then its output."""
    roles = [width_source(w) for b in blocks for w in b.widths.values()]
    return list(dict.fromkeys(roles + [width_source(b.output) for b in blocks]))


class Solution(BaseModel):
    """One configuration: widths per source, hardware per node, and what it costs."""

    model_config = ConfigDict(frozen=True)

    widths: dict[str, int]
    nodes: dict[str, NodeChoice]
    objective: float
    totals: dict[str, float] = Field(description="logic LUTs, LUT-RAM, FF, BRAM36, DSP, cycles")
    slack: dict[str, float] = Field(description="limit minus use per budgeted resource")
    binding: list[str] = Field(description="resources at their limit (slack ≤ 0.5 % of it)")

    def bit_config(self, spec: Spec) -> BitConfig:
        """The BitConfig that builds this solution for `spec`'s model."""
        components: dict[ComponentName, ComponentQuantization] = {}
        for source, width in self.widths.items():
            if source == SOFTMAX:
                continue
            component, role = source.split(".")
            current = components.get(component, ComponentQuantization())  # type: ignore[call-overload]
            components[component] = current.model_copy(update={role: width})  # type: ignore[index]
        quantization = spec.quantization.model_copy(update={
            "components": {**spec.quantization.components, **components},
            "softmax_bits": self.widths.get(SOFTMAX, spec.quantization.softmax_bits)})  # fmt: skip
        config = BitConfig.from_spec(spec.model_copy(update={"quantization": quantization}))
        nodes = {name: NodeHardware(**choice.model_dump()) for name, choice in self.nodes.items()}
        return config.model_copy(update={"nodes": nodes})


class Problem:
    """Sources, node roles and the objective's coefficients over `tables`."""

    def __init__(
        self,
        tables: Tables,
        limits: Resources,
        weights: ObjectiveWeights | None = None,
        costs: dict[str, dict[int, float]] | None = None,
        fixed: dict[str, int] | None = None,
        fixed_nodes: dict[str, tuple[int | None, str | None, str | None]] | None = None,
    ) -> None:
        """`costs[source][width]`: the sensitivity cost of that choice (default 0);
        `fixed`: widths not to search; `fixed_nodes[node]`: (PAR, multiplier, storage) not
        to search, None where that field is searched. Every value must be in the tables'
        space."""
        self.tables, self.limits = tables, limits
        self.weights = weights or ObjectiveWeights()
        self.roles = [[width_source(w) for w in b.widths.values()] for b in tables.blocks]
        self.outputs = [width_source(b.output) for b in tables.blocks]
        self.inputs = [width_source(b.widths["INPUT_BITS"]) if b.input_features else ""
                       for b in tables.blocks]  # fmt: skip
        self.sources = sources(tables.blocks)
        space = tables.space
        self.costs = {s: {b: float((costs or {}).get(s, {}).get(b, 0.0)) for b in space.bits}
                      for s in self.sources}  # fmt: skip
        self.fixed = dict(fixed or {})
        self.fixed_nodes = dict(fixed_nodes or {})
        unknown = [s for s in self.fixed if s not in self.sources]
        unknown += [n for n in self.fixed_nodes if n not in {b.node for b in tables.blocks}]
        if unknown:
            raise ResqError(f"not sources or nodes of this model: {', '.join(unknown)}")

    def choices(self, source: str) -> list[int]:
        """Indices into the space's bits that `source` may take."""
        bits = self.tables.space.bits
        if source in self.fixed:
            return [bits.index(self.fixed[source])]
        return list(range(len(bits)))

    def hardware(self, node: int) -> list[tuple[int, int, int]]:
        """(PAR, multiplier, storage) indices node `node` may take: its fixed ones, else
        every option of the space (PAR: those offered to its IP)."""
        space, block = self.tables.space, self.tables.blocks[node]
        par, multiplier, storage = self.fixed_nodes.get(block.node, (None, None, None))

        def allowed(options: tuple[object, ...], fixed: object,
                    offered: tuple[object, ...] | None = None) -> list[int]:  # fmt: skip
            if fixed is not None:
                return [options.index(fixed)]
            return [i for i, o in enumerate(options) if offered is None or o in offered]

        return list(itertools.product(allowed(space.parallelism, par,
                                              space.parallelism_of(block.ip)),
                                      allowed(space.multipliers, multiplier),
                                      allowed(space.storages, storage)))  # fmt: skip

    # The objective's normalisations: each term divided by its largest possible value.
    def sensitivity_scale(self) -> float:
        return sum(max(c.values()) for c in self.costs.values()) or 1.0

    def bits_scale(self) -> float:
        return float(len(self.sources) * max(self.tables.space.bits))

    def cycles_scale(self) -> float:
        if self.limits.cycles:
            return float(self.limits.cycles)
        worst = sum(float(ip[..., COLUMNS.index("cycles")].max()) for ip in self.tables.ip)
        return worst or 1.0

    def limit(self, resource: str) -> float | None:
        """The budget of `resource` (lut: all LUTs), None when unbounded."""
        if resource == "cycles":
            return None if self.limits.cycles is None else float(self.limits.cycles)
        return float(getattr(self.limits, resource))

    def usage(self, totals: np.ndarray) -> dict[str, float]:
        """What totals (COLUMNS order) use of each budgeted resource (lut: logic + LUT-RAM)."""
        used = {c: float(totals[i]) for i, c in enumerate(COLUMNS)}
        used["lut"] = used["lut"] + used["lutram"]
        return {r: used[r] for r in LIMITED}

    def within_budget(self, totals: np.ndarray) -> np.ndarray:
        """For rows of totals (n, COLUMNS): whether each is within every budgeted limit."""
        fits = np.ones(len(totals), dtype=bool)
        for resource in LIMITED:
            limit = self.limit(resource)
            if limit is not None:
                used = totals[:, COLUMNS.index(resource)]
                if resource == "lut":
                    used = used + totals[:, COLUMNS.index("lutram")]
                fits &= used <= limit
        return fits

    def nothing_fits(self, smallest: dict[str, float],
                     within: dict[str, float | None] | None = None) -> str:  # fmt: skip
        """The message when no configuration fits: each budgeted resource that no
        configuration keeps within its limit, alone (`smallest`: its least use, ignoring the
        budget) or while the other resources are within theirs (`within`: its least use
        then, None where the others cannot all be met), with the least use reached and the
        budget field to raise; each is a way out."""
        ways = []
        for resource in LIMITED:
            limit = self.limit(resource)
            if limit is None or resource not in smallest:
                continue
            field, what = BUDGET_FIELDS[resource]
            alone = smallest[resource]
            joint = (within or {}).get(resource)
            if alone > limit:
                ways.append(f"{resource}: no configuration needs fewer than {alone:,.0f} "
                            f"{what}, the budget allows {limit:,.0f}: raise {field} to ≥ "
                            f"{alone:,.0f}")  # fmt: skip
            elif joint is not None and joint > limit:
                ways.append(f"{resource}: the least that keeps every other resource within "
                            f"its budget is {joint:,.0f} {what} (alone {alone:,.0f}), the "
                            f"budget allows {limit:,.0f}: raise {field} to ≥ {joint:,.0f}")  # fmt: skip
        if not ways:
            return ("no configuration fits the budget: the resources cannot all be within "
                    "the budget at once; least uses, each alone: " + ", ".join(
                        f"{r} {v:,.0f}" for r, v in smallest.items()))  # fmt: skip
        return "no configuration fits the budget. " + "; or ".join(ways)

    def objective(self, widths: dict[str, int], totals: np.ndarray) -> float:
        """The weighted objective of a configuration with `widths` and `totals`."""
        w = self.weights
        sensitivity = sum(self.costs[s][b] for s, b in widths.items()) / self.sensitivity_scale()
        bits = sum(widths.values()) / self.bits_scale()
        used = self.usage(totals)
        latency = used["cycles"] / self.cycles_scale()
        area = max((used[r] / lim for r in LIMITED[:-1]
                    if (lim := self.limit(r))), default=0.0)  # fmt: skip
        return (
            w.sensitivity * sensitivity
            + w.bits * bits
            + w.latency * latency
            + self.area_weight() * area
        )

    def area_weight(self) -> float:
        """The weight of `area`: the spec's, or `TIE_BREAK` when it gives none."""
        return self.weights.area or TIE_BREAK

    def solution(self, widths: dict[str, int], hardware: list[tuple[int, int, int]],
                 totals: np.ndarray) -> Solution:  # fmt: skip
        """A Solution of `widths` (bits per source) and per-node hardware indices."""
        space = self.tables.space
        nodes = {b.node: NodeChoice(parallelism=space.parallelism[p],
                                    multiplier=space.multipliers[m], storage=space.storages[s])
                 for b, (p, m, s) in zip(self.tables.blocks, hardware, strict=True)}  # fmt: skip
        used = self.usage(totals)
        slack = {r: lim - used[r] for r in LIMITED if (lim := self.limit(r)) is not None}
        binding = [r for r, left in slack.items()
                   if left <= 0.005 * (self.limit(r) or 0.0)]  # fmt: skip
        return Solution(widths=widths, nodes=nodes, objective=self.objective(widths, totals),
                        totals={c: float(totals[i]) for i, c in enumerate(COLUMNS)},
                        slack=slack, binding=binding)  # fmt: skip
