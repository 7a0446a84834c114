"""Estimate a whole design from the knowledge base: per node and in total, against a budget.

A node costs its IP instance, the ROMs that feed it and the buffer of its output, and the
first node also the buffer of the model input (resq.estimator.profile); each part is read
from the knowledge base when that exact point was measured on the current sources, else
from the fitted model of its family (resq.estimator.fit; DSP slices are counted, not
fitted), and the node says which parts were fitted. Cycles come from the IP cycle formulas
(resq.hdlgen.cycles). What whole models use beyond their nodes (the
sequencer, read-address multiplexers) and what they save (optimisation across node
boundaries) is the glue of the model's shape, a ratio per resource measured by validation
(resq.estimator.validate) and kept in the knowledge base; until a shape is validated the
totals are the sum of the nodes and `glue_modelled` says so.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from resq.estimator.fit import FittedModel
from resq.estimator.kdb import KnowledgeBase, ProfilePoint, shape_key
from resq.estimator.profile import (
    NodeBlock,
    buffer_point,
    input_buffer_point,
    ip_points,
    model_blocks,
)
from resq.hdlgen.cores import ip_digest
from resq.hdlgen.cycles import SEQUENCER_CYCLES, ip_cycles
from resq.spec import RESOURCE_KINDS, BitConfig, Resources, ResqError
from resq.spec.bitconfig import NodeChoice
from resq.spec.spec import LoadedSpec


class EstimateError(ResqError):
    """A point neither measured nor covered by a fitted family: the database lacks it."""


class NodeEstimate(BaseModel):
    """Resources and cycles of one node as built."""

    model_config = ConfigDict(frozen=True)

    node: str
    ip: str
    choice: NodeChoice = Field(description="the hardware, PAR clamped as the IP builds it")
    resources: Resources = Field(description="IP + ROMs + output buffer; cycles of the IP")
    fitted: list[str] = Field(description="parts answered by the fitted model, not measured")


class Estimate(BaseModel):
    """A design's estimate against its board and budget."""

    model_config = ConfigDict(frozen=True)

    nodes: list[NodeEstimate]
    total: Resources
    clock_mhz: float
    latency_us: float
    capacity: Resources
    limits: Resources
    fits: bool
    exceeded: list[str]
    slack: dict[str, float]
    utilisation: dict[str, float] = Field(description="of the board's capacity, 0..")
    glue_modelled: bool = Field(
        description="the glue of this model shape, measured by `spec kdb validate`, is in"
    )
    band: dict[str, float] = Field(
        default_factory=dict,
        description="mean |error| % per resource of such estimates against whole-model "
        "synthesis (empty until validated)",
    )


class Estimator:
    """Answers estimates from one knowledge base; the fitted model is built once."""

    def __init__(self, kdb: KnowledgeBase, cores: Path) -> None:
        self.kdb, self.cores = kdb, cores
        self.fitted = FittedModel(kdb.entries.values())
        self._digests: dict[str, str] = {}

    def _digest(self, block: str) -> str:
        if block not in self._digests:
            self._digests[block] = ip_digest(self.cores, block)
        return self._digests[block]

    def point(self, point: ProfilePoint) -> tuple[Resources, bool]:
        """(resources, measured) of one point."""
        entry = self.kdb.lookup(point, self._digest(point.block))
        if entry is not None:
            return entry.resources, True
        predicted = self.fitted.predict(point)
        if predicted is None:
            raise EstimateError(
                f"the knowledge base has no {point.block} with {_describe(point)} nor any of "
                "its family: run `spec kdb build` for this model shape"
            )
        return predicted, False

    def node(self, block: NodeBlock, window: int, config: BitConfig) -> NodeEstimate:
        """The estimate of one node block built as `config` says."""
        choice = config.choice(block.node, block.component)
        parts = ip_points(block, window, block.bits(config), choice.parallelism,
                          choice.multiplier)  # fmt: skip
        parts.append(buffer_point(block, window, block.output_bits(config), choice.storage))
        if block.input_features:
            width = block.bits(config)["INPUT_BITS"]
            parts.append(input_buffer_point(block, window, width, choice.storage))
        total, fitted = Resources(), []
        for part in parts:
            resources, measured = self.point(part)
            total += resources
            if not measured:
                fitted.append(part.block)
        ip = parts[0]
        cycles = ip_cycles(block.ip, ip.generics)
        clamped = choice.model_copy(update={"parallelism": int(ip.generics["PAR"])})
        return NodeEstimate(node=block.node, ip=block.ip, choice=clamped,
                            resources=total.model_copy(update={"cycles": cycles}),
                            fitted=fitted)  # fmt: skip

    def estimate(self, loaded: LoadedSpec, config: BitConfig, glue: bool = True) -> Estimate:
        """Every node of the spec's model built as `config`, summed and scaled by the glue
        of its shape when validated (and `glue`), against the budget. The knowledge base
        profiles the dataflow IP only: an engine configuration is refused (EstimateError)."""
        if config.architecture != "dataflow":
            raise EstimateError(
                f"the knowledge base has no model of the {config.architecture} architecture "
                "yet (its estimate is issue [5/7]); synthesize it to know its resources"
            )
        model = loaded.spec.model
        nodes = [self.node(block, model.window, config) for block in model_blocks(model)]
        total = Resources()
        for node in nodes:
            total += node.resources.model_copy(update={"cycles": None})
        fitted = self.kdb.glue.get(shape_key(model)) if glue else None
        if fitted is not None:
            total = Resources(**{kind: float(getattr(total, kind)) * fitted.scale.get(kind, 1.0)
                                 for kind in RESOURCE_KINDS})  # fmt: skip
        cycles = sum(int(n.resources.cycles or 0) for n in nodes) + SEQUENCER_CYCLES
        total = total.model_copy(update={"cycles": cycles})
        limits, capacity = loaded.limits(), loaded.board.capacity
        return Estimate(
            nodes=nodes, total=total, clock_mhz=loaded.clock_mhz,
            latency_us=cycles / loaded.clock_mhz, capacity=capacity, limits=limits,
            fits=total.fits(limits), exceeded=total.exceeded(limits), slack=total.slack(limits),
            utilisation=total.utilisation(capacity), glue_modelled=fitted is not None,
            band={} if fitted is None else fitted.band,
        )  # fmt: skip


def _describe(point: ProfilePoint) -> str:
    shown = {k: v for k, v in point.generics.items() if not (isinstance(v, str) and len(v) > 16)}
    return ", ".join(f"{k}={v}" for k, v in shown.items())
