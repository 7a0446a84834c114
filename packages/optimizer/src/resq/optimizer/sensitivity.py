"""Sensitivity by ablation (paper 001): what a trained model loses when one width is lowered.

For every source (a component's weights or outputs, the model input, the softmax) and
every candidate width below the trained one, a copy of the trained QAT network quantizes
that source's tensors at the candidate width over their learned ranges
(`Transformer.set_width`), everything else unchanged, and the validation MSE is measured
in the training form (plain fake quantization: within 0.6 % of the integer result,
tests/bench/qat_accuracy.py). The cost of a choice is its increase over the trained
network's, at least 0; a width at or above the trained one costs 0. The costs are the
`costs` of the search problem (resq.optimizer.problem).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from resq.qat.data import Split
from resq.qat.models.transformer import EncoderLayer, Transformer
from resq.qat.training import predict


def _mse(net: Transformer, split: Split) -> float:
    return float(np.mean((predict(net, split.x) - split.y) ** 2))


def trained_width(net: Transformer, source: str) -> int:
    """The width `source` has in `net`."""
    if source == "softmax":
        layer = net.layers[0]
        assert isinstance(layer, EncoderLayer)
        return layer.mha.prob_bits
    return net.widths[source][0].bit_width


def ablation(net: Transformer, validation: Split, sources: Sequence[str],
             candidates: Sequence[int]) -> dict[str, dict[int, float]]:  # fmt: skip
    """cost[source][width]: the validation MSE increase (scaled targets², ≥ 0) of `net`
    with only `source` at `width`. `net` itself is not changed."""
    net.eval()
    net.set_exact(False)
    base = _mse(net, validation)
    costs: dict[str, dict[int, float]] = {}
    for source in sources:
        trained = trained_width(net, source)
        costs[source] = {}
        for width in candidates:
            if width >= trained:
                costs[source][width] = 0.0
                continue
            ablated = copy.deepcopy(net)
            ablated.set_width(source, width)
            costs[source][width] = max(0.0, _mse(ablated, validation) - base)
    return costs
