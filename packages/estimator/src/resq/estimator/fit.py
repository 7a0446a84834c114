"""A model between profiled points: resources of a point the knowledge base lacks.

Points of one block that differ only in bit widths and sequence length form a family (same
IP sizes, PAR and multiplier style; for ROMs and buffers: same storage). Within a family each
resource is fitted by least squares on

    1, b₁, b₂, …, A, ROWS

where b₁, b₂, … are the family's bit widths, A the bit area of the multiplies that stay in
LUTs (resq.estimator.dsp.lut_multiply_area: every multiply with MULT_STYLE "lut", those
below a DSP slice's minimum with "dsp") and ROWS the sequence length. A follows the width
at which a product leaves the DSP slices, which no smooth function of the widths does: it
took the leave-one-out error of total LUTs from 29 % to 19 % on the airu database. ROMs and
buffers are fitted on DEPTH and WIDTH instead. DSP slices are not fitted but counted
(resq.estimator.dsp.block_dsp), equal to every measured point. A family with fewer points
than features answers with its nearest point. Leave-one-out: each point is predicted from its family without it,
which gives the error the fitted model has on points it has not seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from resq.estimator.dsp import block_dsp, lut_multiply_area
from resq.estimator.kdb import KdbEntry, ProfilePoint
from resq.spec import RESOURCE_KINDS, Resources

STORAGE_GENERICS = ("DEPTH", "WIDTH")
"""The sizes a ROM or buffer family is fitted on."""

DRAWN = ("ZERO", "MULTIPLIER", "SHIFT", "MIN", "MAX", "ACC_BITS", "WEIGHTS", "BIASES",
         "EXP2_TABLE", "INIT", "FRAC_BITS", "EXP_BITS")  # fmt: skip
"""Generics that are drawn or follow from the bit widths: not part of a family's identity."""


def _is_bits(name: str) -> bool:
    return name.endswith("_BITS") and name not in ("ACC_BITS", "SCORE_ACC_BITS", "EXP_BITS",
                                                   "FRAC_BITS")  # fmt: skip


def family(point: ProfilePoint) -> str:
    """The family of a point: its block and the generics other than bit widths, ROWS and
    drawn values (ROMs, buffers: other than DEPTH and WIDTH)."""
    if point.block in ("rom", "buffer"):
        kept = {k: v for k, v in point.generics.items() if k not in (*STORAGE_GENERICS, "INIT")}
    else:
        kept = {k: v for k, v in point.generics.items()
                if k != "ROWS" and not _is_bits(k) and not any(d in k for d in DRAWN)}  # fmt: skip
    return f"{point.block}:" + ",".join(f"{k}={v}" for k, v in sorted(kept.items()))


def features(point: ProfilePoint) -> np.ndarray:
    """The regressors of a point within its family (see the module text)."""
    g = point.generics
    if point.block in ("rom", "buffer"):
        depth, width = float(g["DEPTH"]), float(g["WIDTH"])
        return np.array([1.0, depth, width, depth * width])
    bits = [float(g[k]) for k in sorted(g) if _is_bits(k)]
    area = float(lut_multiply_area(point.block, g))
    return np.array([1.0, *bits, area, float(g["ROWS"])])


def _vector(resources: Resources) -> np.ndarray:
    return np.array([float(getattr(resources, kind)) for kind in RESOURCE_KINDS])


def _resources(vector: np.ndarray) -> Resources:
    return Resources(**{kind: max(0.0, float(round(v, 3)))
                        for kind, v in zip(RESOURCE_KINDS, vector, strict=True)})  # fmt: skip


@dataclass(frozen=True)
class _Solution:
    """A family's members (features x, resources y) and its least-squares coefficients,
    None when it has fewer members than features (then the nearest member answers)."""

    x: np.ndarray
    y: np.ndarray
    coefficients: np.ndarray | None

    @classmethod
    def of(cls, members: list[KdbEntry]) -> _Solution | None:
        if not members:
            return None
        x = np.stack([features(e.point) for e in members])
        y = np.stack([_vector(e.resources) for e in members])
        if len(members) < x.shape[1]:
            return cls(x, y, None)
        coefficients, *_ = np.linalg.lstsq(x, y, rcond=None)
        return cls(x, y, coefficients)

    def __call__(self, point: ProfilePoint) -> Resources:
        f = features(point)
        if self.coefficients is None:
            fitted = _resources(self.y[int(np.argmin(np.abs(self.x - f).sum(axis=1)))])
        else:
            fitted = _resources(f @ self.coefficients)
        return fitted.model_copy(update={"dsp": block_dsp(point.block, point.generics)})


class FittedModel:
    """Least-squares models per family over a set of measured entries."""

    def __init__(self, entries: Iterable[KdbEntry]) -> None:
        self.families: dict[str, list[KdbEntry]] = {}
        for entry in entries:
            self.families.setdefault(family(entry.point), []).append(entry)
        self._solved: dict[str, _Solution | None] = {}

    def predict(self, point: ProfilePoint, leave_out: bool = False) -> Resources | None:
        """Fitted resources of `point` from its family (without the point itself when
        `leave_out`), or None when the family has no measured point."""
        name = family(point)
        if leave_out:
            key = point.key()
            solution = _Solution.of([e for e in self.families.get(name, [])
                                     if e.point.key() != key])  # fmt: skip
        else:
            if name not in self._solved:
                self._solved[name] = _Solution.of(self.families.get(name, []))
            solution = self._solved[name]
        return None if solution is None else solution(point)

    def leave_one_out(self) -> dict[str, float]:
        """Mean absolute relative error of each resource (and of total LUTs) when every
        point is predicted from its family without it; points of zero use are skipped."""
        errors: dict[str, list[float]] = {}
        for members in self.families.values():
            for entry in members:
                predicted = self.predict(entry.point, leave_out=True)
                if predicted is None:
                    continue
                pairs = [(kind, getattr(predicted, kind), getattr(entry.resources, kind))
                         for kind in RESOURCE_KINDS]  # fmt: skip
                pairs.append(("total_lut", predicted.total_lut, entry.resources.total_lut))
                for kind, got, want in pairs:
                    if want > 0:
                        errors.setdefault(kind, []).append(abs(got - want) / want)
        return {kind: float(np.mean(values)) for kind, values in errors.items()}
