"""The search as an integer linear program (python-mip with CBC).

Binaries: y[source, width] (one width per source) and, per node, x[widths of its roles,
PAR, multiplier] for its IP part and z[output width, storage] for its buffer (one option
each). Linking: for every role of a node, the options using width b add up to
y[source, b], so the options a node takes agree with the widths its tensors have. Every
budgeted resource is a sum of the options' table values and at most its limit (`lut`:
logic + LUT-RAM). The objective is `Problem.objective`, linear but for `area`, the largest
fraction of a budgeted resource, bounded below by each fraction. `solve` returns the k best
configurations with distinct widths, each with the hardware the objective prefers for them
(a no-good constraint on the widths cuts off each one found: configurations that differ
only in hardware compute the same integers, and training them twice teaches nothing), or
raises NothingFitsError naming each resource whose smallest reachable use is over its limit.
Options another option of the same node and widths beats in every resource are left out:
they are never better.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

logging.getLogger("mip").setLevel(logging.WARNING)  # not its version banner on every run

import mip  # noqa: E402
import numpy as np  # noqa: E402
from resq.estimator.tables import COLUMNS  # noqa: E402
from resq.optimizer.problem import LIMITED, NothingFitsError, Problem, Solution  # noqa: E402

_COLUMN = {c: i for i, c in enumerate(COLUMNS)}
OBJECTIVE_SCALE = 1e6
"""What the solver minimises is `Problem.objective` (terms normalised to 0..1) times this.
CBC prunes every node that cannot beat its incumbent by an absolute 1e-4 (its cutoff
increment): unscaled, it returned as optimal a beijing-o3 configuration 6e-5 worse than the
best. Scaled, with the gaps below, configurations 1e-9 apart are told apart."""


def _undominated(table: np.ndarray, choices: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The choices whose rows of `table` (indexed by the choice) no other choice beats: at
    most as much of every column and less of one (of equal rows, the first stays). A beaten
    option is never better for an objective that only grows with resources, so the
    program leaves it out."""
    rows = np.array([table[c] for c in choices])  # (k, columns)
    at_most = np.all(rows[:, None, :] <= rows[None, :, :], axis=2)  # [o, c]: o ≤ c everywhere
    equal = at_most & at_most.T
    earlier = np.arange(len(choices))[:, None] < np.arange(len(choices))[None, :]
    # o beats c: at most as much everywhere and less somewhere, or equal and listed first
    # (equal rows, e.g. PAR clamped to the same value: the first stays)
    beats = (at_most & ~equal) | (equal & earlier)
    return [c for i, c in enumerate(choices) if not beats[:, i].any()]


def _columns(resource: str) -> list[int]:
    """The table columns a budgeted resource adds up: `lut` is logic + LUT-RAM."""
    if resource == "lut":
        return [_COLUMN["lut"], _COLUMN["lutram"]]
    return [_COLUMN[resource]]


class _Program:
    """The model, its variables and the usage expression of every budgeted resource."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        tables, bits = problem.tables, problem.tables.space.bits
        model = mip.Model(sense=mip.MINIMIZE, solver_name=mip.CBC)
        model.verbose = 0
        model.threads = 1
        # CBC's cut generation took most of the time on the airu tables (2.6 s of 2.7 s) and
        # changes no optimum, only how fast it is proven; without it: 0.1–0.6 s.
        model.cuts = 0
        self.model = model
        self.y = {(s, b): model.add_var(var_type=mip.BINARY)
                  for s in problem.sources for b in problem.choices(s)}  # fmt: skip
        for s in problem.sources:
            model += mip.xsum(self.y[s, b] for b in problem.choices(s)) == 1
        self.x: list[dict[tuple[tuple[int, ...], int, int], mip.Var]] = []
        self.z: list[dict[tuple[int, int], mip.Var]] = []
        self.u: list[dict[tuple[int, int], mip.Var]] = []
        rows: list[tuple[np.ndarray, mip.Var]] = []
        for n, roles in enumerate(problem.roles):
            hardware = problem.hardware(n)
            ip_choices = sorted({(p, m) for p, m, _ in hardware})
            options = {}
            for index in itertools.product(*(problem.choices(s) for s in roles)):
                if any(index[i] != index[j] for i, j in itertools.combinations(range(len(roles)), 2)
                       if roles[i] == roles[j]):  # fmt: skip
                    continue  # one tensor, one width
                for p, m in _undominated(tables.ip[n][index], ip_choices):
                    var = model.add_var(var_type=mip.BINARY)
                    options[(index, p, m)] = var
                    rows.append((tables.ip[n][(*index, p, m)], var))
            model += mip.xsum(options.values()) == 1
            for k, source in enumerate(roles):
                for b in problem.choices(source):
                    model += mip.xsum(v for (index, _, _), v in options.items()
                                      if index[k] == b) == self.y[source, b]  # fmt: skip
            self.x.append(options)
            buffers: dict[tuple[int, int], mip.Var] = {}
            output = problem.outputs[n]
            every = sorted({(st,) for _, _, st in hardware})
            for b in problem.choices(output):
                # a node that also holds the model input's buffer pays for both in one storage
                kept = (
                    every
                    if tables.inputs[n] is not None
                    else _undominated(tables.buffer[n][b], every)
                )
                storages = [st for (st,) in kept]
                for st in storages:
                    var = model.add_var(var_type=mip.BINARY)
                    buffers[(b, st)] = var
                    rows.append((tables.buffer[n][b, st], var))
                model += mip.xsum(buffers[(b, st)] for st in storages) == self.y[output, b]
            model += mip.xsum(buffers.values()) == 1
            self.z.append(buffers)
            reads: dict[tuple[int, int], mip.Var] = {}
            table = tables.inputs[n]
            if table is not None:  # the model input's buffer, in this node's storage
                source = problem.inputs[n]
                used = sorted({st for _, st in buffers})
                for b in problem.choices(source):
                    for st in used:
                        var = model.add_var(var_type=mip.BINARY)
                        reads[(b, st)] = var
                        rows.append((table[b, st], var))
                    model += mip.xsum(reads[(b, st)] for st in used) == self.y[source, b]
                for st in used:
                    model += mip.xsum(v for (_, s2), v in reads.items() if s2 == st) == mip.xsum(
                        v for (_, s2), v in buffers.items() if s2 == st
                    )
            self.u.append(reads)
        self.usage: dict[str, mip.LinExpr] = {}
        for resource in LIMITED:
            columns = _columns(resource)
            constant = float(sum(tables.constant[c] for c in columns))  # glue, sequencer
            self.usage[resource] = constant + mip.xsum(
                float(sum(row[c] for c in columns)) * var
                for row, var in rows if any(row[c] for c in columns)
            )  # fmt: skip
        self.bits = bits

    def constrain(self, except_for: str | None = None) -> None:
        """Add the budget: every limited resource (but `except_for`) at most its limit."""
        for resource in LIMITED:
            limit = self.problem.limit(resource)
            if limit is not None and resource != except_for:
                self.model += self.usage[resource] <= limit

    def set_objective(self) -> None:
        """`Problem.objective` as a linear objective (area through a bound variable)."""
        problem, w = self.problem, self.problem.weights
        terms = []
        if w.sensitivity:
            scale = problem.sensitivity_scale()
            terms.append(w.sensitivity / scale * mip.xsum(
                problem.costs[s][self.bits[b]] * v for (s, b), v in self.y.items()))  # fmt: skip
        if w.bits:
            terms.append(w.bits / problem.bits_scale() * mip.xsum(
                self.bits[b] * v for (_, b), v in self.y.items()))  # fmt: skip
        if w.latency:
            terms.append(w.latency / problem.cycles_scale() * self.usage["cycles"])
        area = self.model.add_var(lb=0.0)
        for resource in LIMITED[:-1]:
            limit = problem.limit(resource)
            if limit:
                self.model += area >= self.usage[resource] * (1.0 / limit)
        terms.append(problem.area_weight() * area)
        self.model.objective = OBJECTIVE_SCALE * mip.xsum(terms)
        self.model.max_mip_gap = 1e-9  # relative: CBC's default 1e-4 stops short of optimal
        self.model.max_mip_gap_abs = 1e-3  # 1e-9 of the unscaled objective

    def chosen(
        self,
    ) -> tuple[dict[str, int], list[tuple[int, int, int]], np.ndarray]:
        """Widths per source, per-node hardware indices and the totals."""
        widths = {s: self.bits[b] for (s, b), v in self.y.items() if (v.x or 0) > 0.5}
        hardware = []
        totals = np.zeros(len(COLUMNS))
        tables = self.problem.tables
        for n, (options, buffers) in enumerate(zip(self.x, self.z, strict=True)):
            index, p, m = next(k for k, v in options.items() if (v.x or 0) > 0.5)
            b, s = next(k for k, v in buffers.items() if (v.x or 0) > 0.5)
            totals += tables.ip[n][(*index, p, m)] + tables.buffer[n][b, s]
            read = tables.inputs[n]
            if read is not None:
                b_in = next(k[0] for k, v in self.u[n].items() if (v.x or 0) > 0.5)
                totals += read[b_in, s]
            hardware.append((p, m, s))
        totals += tables.constant
        return widths, hardware, totals


def smallest_use(problem: Problem, resource: str) -> float:
    """The least `resource` (lut: logic + LUT-RAM) any configuration of `problem` uses,
    ignoring the budget."""
    program = _Program(problem)
    program.model.objective = program.usage[resource]
    program.model.optimize()
    return float(program.model.objective_value or 0.0)


def least_within_others(problem: Problem, resource: str) -> float | None:
    """The least `resource` any configuration of `problem` uses while every other budgeted
    resource is within its limit; None when the others cannot all be met."""
    program = _Program(problem)
    program.constrain(except_for=resource)
    program.model.objective = program.usage[resource]
    status = program.model.optimize()
    if status not in (mip.OptimizationStatus.OPTIMAL, mip.OptimizationStatus.FEASIBLE):
        return None
    return float(program.model.objective_value or 0.0)


def solve(problem: Problem, top_k: int = 1, max_seconds: float = 60.0) -> list[Solution]:
    """The `top_k` best configurations within the budget with distinct widths, best first
    (fewer when fewer width assignments fit). Raises NothingFitsError when none fits,
    naming each resource whose smallest reachable use exceeds its limit."""
    solutions: list[Solution] = []
    found: list[dict[str, int]] = []
    free = [s for s in problem.sources if len(problem.choices(s)) > 1]
    while len(solutions) < top_k:
        # a new program for each solution, with a no-good constraint per width assignment
        # found: each solve starts from the same state, whatever CBC kept from the last one
        program = _Program(problem)
        program.constrain()
        program.set_objective()
        if found:
            # CBC's preprocessing corrupted its heap (SIGABRT, or a hang in free()) on the
            # airu problem with a no-good constraint on the widths: off once there is one
            # (the optimum keeps it, faster on most costs: see tests/bench/search.py)
            program.model.preprocess = 0
        for widths in found:
            picked = [program.y[s, program.bits.index(widths[s])] for s in free]
            program.model += mip.xsum(picked) <= len(picked) - 1
        status = program.model.optimize(max_seconds=max_seconds)
        if status not in (mip.OptimizationStatus.OPTIMAL, mip.OptimizationStatus.FEASIBLE):
            break
        widths, hardware, totals = program.chosen()
        solutions.append(problem.solution(widths, hardware, totals))
        found.append(widths)
        if not free:
            break  # every width is fixed: one assignment only
    if not solutions:
        raise NothingFitsError(_nothing_fits(problem))
    return solutions


def _nothing_fits(problem: Problem) -> str:
    limited = [r for r in LIMITED if problem.limit(r) is not None]
    return problem.nothing_fits({r: smallest_use(problem, r) for r in limited},
                                {r: least_within_others(problem, r) for r in limited})  # fmt: skip
