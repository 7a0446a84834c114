"""Figures of the optimizer: sensitivity per source (the report draws the candidates' Pareto
fronts from candidates.json and pareto.json)."""

from __future__ import annotations

import logging
from pathlib import Path

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
