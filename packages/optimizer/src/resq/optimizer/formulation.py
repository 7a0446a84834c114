"""The search problem a spec states: what is searched, over which choices, within which limits.

Widths: every source (`Linput.inputs`, each component's `weights` and `outputs`, the
softmax's probabilities) takes one of `quantization.candidate_bits`, except those the spec
sets itself: a width written in `quantization.components` and a `softmax_bits` written in
the spec are fixed. Hardware: per node, PAR, multiplier and storage resolve as generate
resolves them (node entry, then component entry, then the section's value); a field that
resolves to `search` is searched over `SEARCHED` (the PAR values, both multipliers, block
and distributed storage: `auto` is the tool's choice, not one to make), any other value is
fixed. Limits: the budget in the board's units, each lowered by the largest error
validation measured for this model shape (`Glue.band_max`): the estimator's error band is
the margin, so an estimate within the lowered limit fits the real limit.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from resq.estimator.estimate import Estimator
from resq.estimator.kdb import shape_key
from resq.estimator.profile import model_blocks
from resq.estimator.space import Space
from resq.estimator.tables import Tables
from resq.optimizer import exhaustive, ilp
from resq.optimizer.filter import score_filter
from resq.optimizer.problem import SOFTMAX, Problem, Solution, sources
from resq.spec import RESOURCE_KINDS, Resources
from resq.spec.components import COMPONENTS
from resq.spec.spec import LoadedSpec

SEARCHED = Space(storages=("block", "distributed"))
"""The options of a searched hardware field."""


class Formulation(BaseModel):
    """What the spec fixes and what it leaves to the search."""

    model_config = ConfigDict(frozen=True)

    space: Space
    fixed: dict[str, int] = Field(description="widths the spec sets, by source")
    fixed_nodes: dict[str, tuple[int | None, str | None, str | None]] = Field(
        description="per node: (PAR, multiplier, storage), None where searched"
    )
    limits: Resources = Field(description="the budget less the margin")
    margin: dict[str, float] = Field(description="per resource kind: the margin, % of its limit")


def exhaustive_size(loaded: LoadedSpec) -> int:
    """How many width assignments exhaustive search scores for `loaded`, from the spec
    alone (each is scored with every hardware choice too: a lower bound of the
    configurations)."""
    fixed = fixed_widths(loaded)
    bits = set(loaded.spec.quantization.candidate_bits) | set(fixed.values())
    free = [s for s in sources(model_blocks(loaded.spec.model)) if s not in fixed]
    return int(len(bits) ** len(free))


def exhaustive_refusal(loaded: LoadedSpec) -> str | None:
    """Why exhaustive search cannot run for `loaded` (its space is over the limit), with
    the count and the limit; None when it can or the spec searches otherwise."""
    if loaded.spec.search.method != "exhaustive":
        return None
    size = exhaustive_size(loaded)
    if size <= exhaustive.MAX_CONFIGURATIONS:
        return None
    return (
        f"search.method exhaustive: at least {size:,} configurations (every width of "
        f"{len(set(loaded.spec.quantization.candidate_bits))} candidate bits for each "
        f"free width source), more than the {exhaustive.MAX_CONFIGURATIONS:,} it scores; "
        "use search.method: ilp (the same optimum), or fix widths in quantization"
    )


def search_checks(loaded: LoadedSpec) -> tuple[list[str], list[str]]:
    """`spec validate`'s check of the search section (entry point group resq.checks):
    an exhaustive search too large to run is an error."""
    why = exhaustive_refusal(loaded)
    return ([f"{loaded.path}: {why}"] if why else []), []


def fixed_widths(loaded: LoadedSpec) -> dict[str, int]:
    """The widths the spec writes itself, by source (a component's `inputs` only for
    Linput: the others are their producer's outputs)."""
    quantization = loaded.spec.quantization
    fixed: dict[str, int] = {}
    for name in COMPONENTS:
        overrides = quantization.components.get(name)
        if overrides is None:
            continue
        for role in ("inputs", "weights", "outputs"):
            width = getattr(overrides, role)
            if width is not None and (role != "inputs" or name == "Linput"):
                fixed[f"{name}.{role}"] = width
    if "softmax_bits" in quantization.model_fields_set:
        fixed[SOFTMAX] = quantization.softmax_bits
    return fixed


def node_hardware(loaded: LoadedSpec) -> dict[str, tuple[int | None, str | None, str | None]]:
    """Per node of the spec's model: (PAR, multiplier, storage), None where `search`."""
    hardware = loaded.spec.hardware
    result = {}
    for block in model_blocks(loaded.spec.model):
        places = [hardware.nodes.get(block.node), hardware.components.get(block.component)]
        values = []
        for field in ("parallelism", "multiplier", "storage"):
            value = next((getattr(p, field) for p in places
                          if p is not None and getattr(p, field) is not None),
                         getattr(hardware, field))  # fmt: skip
            values.append(None if value == "search" else value)
        result[block.node] = (values[0], values[1], values[2])
    return result


def formulate(loaded: LoadedSpec, estimator: Estimator) -> Formulation:
    """The choices and limits of the spec's search, with the margin of the knowledge base's
    validation of this model shape (none when the shape was never validated)."""
    fixed = fixed_widths(loaded)
    nodes = node_hardware(loaded)
    bits = sorted(set(loaded.spec.quantization.candidate_bits) | set(fixed.values()))

    choices: dict[str, object] = {"bits": bits}
    for index, field in enumerate(("parallelism", "multipliers", "storages")):
        values = [n[index] for n in nodes.values()]
        searched = list(getattr(SEARCHED, field)) if None in values else []
        fixed_values = sorted({v for v in values if v is not None}, key=str)
        choices[field] = list(dict.fromkeys(searched + fixed_values))
    space = Space.model_validate(choices)
    glue = estimator.kdb.glue.get(shape_key(loaded.spec.model))
    margin = {} if glue is None else {kind: max(0.0, glue.band_max.get(
        "total_lut" if kind == "lut" else kind, 0.0)) for kind in RESOURCE_KINDS}  # fmt: skip
    limits = loaded.limits()
    lowered = limits.model_copy(update={
        kind: float(getattr(limits, kind)) * (1 - margin.get(kind, 0.0) / 100)
        for kind in RESOURCE_KINDS})  # fmt: skip
    return Formulation(space=space, fixed=fixed, fixed_nodes=nodes, limits=lowered,
                       margin=margin)  # fmt: skip


def problem(loaded: LoadedSpec, formulation: Formulation, tables: Tables,
            costs: dict[str, dict[int, float]]) -> Problem:  # fmt: skip
    """The search problem of `formulation` over `tables` (built over its space), with the
    sensitivity `costs` and the spec's objective weights."""
    searched = sources(tables.blocks)
    return Problem(
        tables, formulation.limits, loaded.spec.search.objective,
        {s: c for s, c in costs.items() if s in searched},
        {s: b for s, b in formulation.fixed.items() if s in searched},
        formulation.fixed_nodes,
    )  # fmt: skip


def solve(method: str, search: Problem, top_k: int) -> list[Solution]:
    """The `top_k` best configurations of `search` by `method` (ilp, filter, exhaustive).
    Raises NothingFitsError."""
    if method == "ilp":
        return ilp.solve(search, top_k)
    if method == "filter":
        return score_filter(search, top_k)
    if method == "exhaustive":
        return exhaustive.search(search, top_k)
    raise ValueError(f"search method {method!r}: expected ilp, filter or exhaustive")
