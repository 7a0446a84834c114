"""Figures of the optimizer: sensitivity per source, and the candidates' Pareto fronts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no backend, no global state

logging.getLogger("matplotlib").setLevel(logging.WARNING)  # not its font-cache notes


def sensitivity_plot(scores: dict[str, dict[str, float]], width: int, path: Path) -> None:
    """Bars per source of each method's cost at `width` bits, each method scaled to its
    largest cost (0..1), to compare orders; written as a PNG to `path`."""
    methods = list(scores)
    sources = sorted({s for values in scores.values() for s in values})
    figure = Figure(figsize=(max(6.0, 0.45 * len(sources)), 4.0))
    axes = figure.subplots()
    step = 0.8 / max(1, len(methods))
    for k, method in enumerate(methods):
        values = np.array([scores[method].get(s, 0.0) for s in sources])
        top = values.max() if values.size and values.max() > 0 else 1.0
        axes.bar(np.arange(len(sources)) + k * step, values / top, step, label=method)
    axes.set_xticks(np.arange(len(sources)) + 0.4 - step / 2, sources, rotation=70,
                    ha="right", fontsize=8)  # fmt: skip
    axes.set_ylabel(f"cost at {width} bit / largest")
    axes.set_title("sensitivity per width choice")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def pareto_plot(points: list[dict[str, Any]], fronts: dict[str, list[int]], unit: str,
                path: Path) -> None:  # fmt: skip
    """Test RMSE against total LUTs and against cycles of every candidate (`points`: dicts
    with rmse, lut, cycles), each Pareto front (`fronts[axis]`: indices) as a line."""
    figure = Figure(figsize=(10.0, 4.0))
    panels = figure.subplots(1, 2)
    rmse = np.array([p["rmse"] for p in points])
    for axes, (axis, label) in zip(panels, (("lut", "total LUTs (logic + LUT-RAM)"),
                                            ("cycles", "cycles per inference")), strict=True):  # fmt: skip
        cost = np.array([p[axis] for p in points])
        axes.scatter(cost, rmse, color="0.6", label="candidates")
        front = fronts[axis]
        axes.plot(cost[front], rmse[front], "o-", color="C0", label="Pareto front")
        axes.set_xlabel(label)
        axes.set_ylabel(f"test RMSE ({unit})" if unit else "test RMSE")
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
