"""Exhaustive search: every configuration of a problem scored at once (small spaces only).

The ground truth the ILP is tested against: all width assignments of the sources not fixed
× all hardware of the nodes not fixed, scored by `Tables.score`, the ones within the budget
ranked by `Problem.objective`, the best of each width assignment kept.
"""

from __future__ import annotations

import itertools
import math
from typing import cast

import numpy as np
from resq.estimator.tables import Batch
from resq.optimizer.problem import NothingFitsError, Problem, Solution
from resq.spec import ResqError
from resq.spec.bitconfig import PRODUCER
from resq.spec.components import COMPONENTS, ComponentName

ROLES = ("inputs", "weights", "outputs")
MAX_CONFIGURATIONS = 5_000_000
"""Larger problems are refused: the ILP is the method for them."""


def widths_array(problem: Problem, combos: np.ndarray) -> np.ndarray:
    """(n, components, 3) width indices of `combos` (n, sources: indices into the space's
    bits); every component's inputs from its producer's outputs."""
    n = combos.shape[0]
    widths = np.zeros((n, len(COMPONENTS), len(ROLES)), dtype=np.int64)
    for k, source in enumerate(problem.sources):
        if source == "softmax":
            continue
        component, role = source.split(".")
        widths[:, COMPONENTS.index(cast(ComponentName, component)), ROLES.index(role)] = combos[
            :, k
        ]
    for component, producer in PRODUCER.items():
        widths[:, COMPONENTS.index(component), 0] = widths[:, COMPONENTS.index(producer), 2]
    return widths


def search(problem: Problem, top_k: int = 1) -> list[Solution]:
    """The `top_k` best configurations within the budget with distinct widths, best first,
    each with its best hardware (as `ilp.solve`)."""
    bits = problem.tables.space.bits
    choices = [problem.choices(s) for s in problem.sources]
    hardware = [problem.hardware(n) for n in range(len(problem.tables.blocks))]
    count = math.prod(len(c) for c in choices) * math.prod(len(h) for h in hardware)
    if count > MAX_CONFIGURATIONS:  # counted before anything is built: memory stays bounded
        raise ResqError(f"exhaustive search: {count:,} configurations, more than the "
                        f"{MAX_CONFIGURATIONS:,} it scores: use search.method: ilp")  # fmt: skip
    width_combos = np.array(list(itertools.product(*choices)))
    hardware_combos = np.array(list(itertools.product(*hardware)))  # (h, nodes, 3)
    w = np.repeat(np.arange(len(width_combos)), len(hardware_combos))
    h = np.tile(np.arange(len(hardware_combos)), len(width_combos))
    combos = width_combos[w]
    softmax = (combos[:, problem.sources.index("softmax")] if "softmax" in problem.sources
               else np.zeros(len(combos), dtype=np.int64))  # fmt: skip
    batch = Batch(widths=widths_array(problem, combos), softmax=softmax,
                  parallelism=hardware_combos[h][:, :, 0], multiplier=hardware_combos[h][:, :, 1],
                  storage=hardware_combos[h][:, :, 2])  # fmt: skip
    totals = problem.tables.score(batch)
    feasible = problem.within_budget(totals)
    if not feasible.any():
        raise NothingFitsError("no configuration fits the budget")
    ranked = []
    for i in np.flatnonzero(feasible):
        widths = {s: bits[b] for s, b in zip(problem.sources, combos[i], strict=True)}
        ranked.append((problem.objective(widths, totals[i]), int(i), widths))
    ranked.sort(key=lambda item: (item[0], item[1]))
    best: dict[tuple[int, ...], tuple[int, dict[str, int]]] = {}
    for _, j, widths in ranked:  # the best hardware of each width assignment
        best.setdefault(tuple(widths.values()), (j, widths))
    solutions = []
    for j, widths in list(best.values())[:top_k]:
        chosen = [(int(p), int(m), int(st)) for p, m, st in hardware_combos[h[j]]]
        solutions.append(problem.solution(widths, chosen, totals[j]))
    return solutions
