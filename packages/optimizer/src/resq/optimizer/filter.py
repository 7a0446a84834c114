"""Score-based filtering, paper 000's procedure: every per-component width, filtered and sorted.

Each of the ten components takes one width from the space for its weights and its outputs
(the model input takes Linput's, the softmax MHA's): 3^10 = 59,049 combinations at widths
{4, 6, 8}. Each is estimated (all at once, by the score tables) with the nodes' hardware
fixed, those over any budgeted resource are dropped, and the rest are sorted by the sum of
their components' widths, widest first (ties: fewer LUTs first); the first `top_k` are kept.
The hardware is the problem's `fixed_nodes`, or each node's first option.
"""

from __future__ import annotations

import itertools

import numpy as np
from resq.estimator.tables import COLUMNS, Batch
from resq.optimizer.exhaustive import widths_array
from resq.optimizer.problem import NothingFitsError, Problem, Solution, source_component
from resq.spec.components import COMPONENTS


def score_filter(problem: Problem, top_k: int) -> list[Solution]:
    """The `top_k` combinations within the budget with the largest sum of widths."""
    bits = problem.tables.space.bits
    combos = np.array(list(itertools.product(range(len(bits)), repeat=len(COMPONENTS))))
    column = {s: COMPONENTS.index(source_component(s)) for s in problem.sources}
    per_source = np.stack([combos[:, column[s]] for s in problem.sources], axis=1)
    hardware = [problem.hardware(n)[0] for n in range(len(problem.tables.blocks))]
    n = len(combos)
    chosen = np.array(hardware)
    softmax = (per_source[:, problem.sources.index("softmax")] if "softmax" in problem.sources
               else np.zeros(n, dtype=np.int64))  # fmt: skip
    batch = Batch(widths=widths_array(problem, per_source), softmax=softmax,
                  parallelism=np.tile(chosen[:, 0], (n, 1)),
                  multiplier=np.tile(chosen[:, 1], (n, 1)),
                  storage=np.tile(chosen[:, 2], (n, 1)))  # fmt: skip
    totals = problem.tables.score(batch)
    feasible = problem.within_budget(totals)
    if not feasible.any():
        used = [problem.usage(row) for row in totals]
        space = problem.tables.space
        shown = sorted({f"PAR {space.parallelism[p]}, {space.multipliers[m]} multipliers, "
                        f"{space.storages[st]} storage" for p, m, st in hardware})  # fmt: skip
        raise NothingFitsError(
            problem.nothing_fits({r: min(u[r] for u in used) for r in used[0]})
            + f" (the filter searches widths only, with each node's hardware fixed: "
            f"{'; '.join(shown)}; search.method: ilp searches the hardware too)")  # fmt: skip
    width_sum = np.array(bits)[combos].sum(axis=1)
    lut = totals[:, COLUMNS.index("lut")] + totals[:, COLUMNS.index("lutram")]
    order = [i for i in np.lexsort((lut, -width_sum)) if feasible[i]][:top_k]
    return [problem.solution({s: bits[per_source[i, k]] for k, s in enumerate(problem.sources)},
                             hardware, totals[i]) for i in order]  # fmt: skip
