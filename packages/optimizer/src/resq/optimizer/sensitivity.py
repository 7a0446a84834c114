"""Sensitivity: how much a trained QAT network's output moves when a component is degraded.

Ablation (paper 001): what a trained model loses when one width is lowered.

For every source (a component's weights or outputs, the model input, the softmax) and
every candidate width below the trained one, a copy of the trained QAT network quantizes
that source's tensors at the candidate width over their learned ranges
(`Transformer.set_width`), everything else unchanged, and the validation MSE is measured
in the training form (plain fake quantization: within 0.6 % of the integer result,
tests/bench/qat_accuracy.py). The cost of a choice is its increase over the trained
network's, at least 0; a width at or above the trained one costs 0. The costs are the
`costs` of the search problem (resq.optimizer.problem).

Mask-guided (paper 002, MQE): a fraction of a component's weights (its weight tensors and
tables, not biases) is set to zero at random, and the divergence between the masked and the
unmasked network's outputs on a calibration split is measured. For a regression output the
KL divergence of two Gaussians of one variance σ² is (μ₁ − μ₂)²/(2σ²): here the mean over
windows of the squared output difference over twice the unmasked outputs' variance.
`mask_costs` turns the divergences into costs per width: masking the fraction 1 − b/t of
the weights stands for keeping b of t bits. `rank_correlation` compares the orders two
methods give (Spearman).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from resq.optimizer.problem import source_component
from resq.qat.models.transformer import EncoderLayer, Transformer
from resq.qat.quant.modules import PositionalTable, QBatchNorm, QLinear
from resq.qat.training import predict
from resq.spec.data import Split


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


def _weights(net: Transformer, component: str) -> list[torch.Tensor]:
    """The weight tensors of `component` (linear weights, BN scales, the PE table; not
    biases): those its `weights` quantizers quantize."""
    quantizers = {id(q) for q in net.widths.get(f"{component}.weights", [])}
    tensors = []
    for module in net.modules():
        if isinstance(module, QLinear) and id(module.weight_fq) in quantizers:
            tensors.append(module.linear.weight)
        elif isinstance(module, QBatchNorm) and id(module.weight_fq) in quantizers:
            tensors.append(module.weight)
        elif isinstance(module, PositionalTable) and id(module.table_fq) in quantizers:
            tensors.append(module.table)
    return tensors


def mask_guided(net: Transformer, calibration: Split, components: Sequence[str],
                ratios: Sequence[float] = (0.25, 0.5), seed: int = 0
                ) -> dict[str, dict[float, float]]:  # fmt: skip
    """divergence[component][ratio]: the output divergence when that fraction (0..1) of the
    component's weights is zeroed at random (seeded). `net` itself is not changed."""
    net.eval()
    net.set_exact(False)
    reference = predict(net, calibration.x)
    variance = max(float(np.var(reference)), 1e-12)
    generator = torch.Generator().manual_seed(seed)
    result: dict[str, dict[float, float]] = {}
    for component in components:
        result[component] = {}
        for ratio in ratios:
            masked = copy.deepcopy(net)
            with torch.no_grad():
                for tensor in _weights(masked, component):
                    keep = torch.rand(tensor.shape, generator=generator) >= ratio
                    tensor.mul_(keep.to(tensor.dtype))
            moved = predict(masked, calibration.x)
            result[component][ratio] = float(np.mean((moved - reference) ** 2) / (2 * variance))
    return result


def mask_costs(net: Transformer, calibration: Split, sources: Sequence[str],
               candidates: Sequence[int], seed: int = 0) -> dict[str, dict[int, float]]:  # fmt: skip
    """cost[source][width] by MQE: at a width b below the trained width t, the divergence
    of `mask_guided` with the fraction 1 − b/t of the source's component's weights masked
    (8 → 4 bit: half of them, the ratio paper 002 uses); 0 at or above t. Every source of a
    component shares its cost; a component without weights costs 0."""
    trained = {source: trained_width(net, source) for source in sources}
    ratios = sorted({1 - b / trained[s] for s in sources for b in candidates if b < trained[s]})
    components = sorted({source_component(s) for s in sources})
    divergence = mask_guided(net, calibration, components, ratios, seed) if ratios else {}
    return {s: {b: (divergence[source_component(s)][1 - b / trained[s]] if b < trained[s]
                    else 0.0) for b in candidates} for s in sources}  # fmt: skip


def rank_correlation(first: dict[str, float], second: dict[str, float]) -> float:
    """Spearman's rank correlation (−1..1) of two scores over their common keys (ties get
    their mean rank)."""
    keys = sorted(set(first) & set(second))
    if len(keys) < 2:
        raise ValueError("rank correlation needs at least two common components")

    def ranks(values: list[float]) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        rank = np.empty(len(values))
        rank[order] = np.arange(len(values), dtype=float)
        for value in set(values):
            same = [i for i, v in enumerate(values) if v == value]
            rank[same] = rank[same].mean()
        return rank

    a, b = ranks([first[k] for k in keys]), ranks([second[k] for k in keys])
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


CALIBRATION_WINDOWS = 256
"""Windows of the validation split the masked and unmasked outputs are compared on."""


class Sensitivity(BaseModel):
    """Both methods' costs of one trained network: costs[method][source][width]."""

    model_config = ConfigDict(frozen=True)

    candidates: list[int]
    costs: dict[str, dict[str, dict[int, float]]] = Field(
        description="ablation: validation MSE increase (scaled target²); mask_kl: KL divergence"
    )
    rank_correlation: float = Field(
        description="Spearman, −1..1, of the two methods' costs at the narrowest candidate"
    )

    def scores(self, method: str) -> dict[str, float]:
        """Each source's cost under `method` at the narrowest candidate width."""
        narrowest = min(self.candidates)
        return {s: by[narrowest] for s, by in self.costs[method].items()}


def analyse(net: Transformer, validation: Split, candidates: Sequence[int], seed: int = 0
            ) -> Sensitivity:  # fmt: skip
    """Ablation on `validation` and mask-guided costs on its first `CALIBRATION_WINDOWS`
    windows, for every width source of `net` (its quantized tensors and the softmax)."""
    sources = [*net.widths, "softmax"]
    widths = sorted(candidates)
    calibration = Split(validation.x[:CALIBRATION_WINDOWS], validation.y[:CALIBRATION_WINDOWS],
                        validation.end_times[:CALIBRATION_WINDOWS])  # fmt: skip
    costs = {"ablation": ablation(net, validation, sources, widths),
             "mask_kl": mask_costs(net, calibration, sources, widths, seed)}  # fmt: skip
    narrowest = widths[0]
    correlation = rank_correlation({s: c[narrowest] for s, c in costs["ablation"].items()},
                                   {s: c[narrowest] for s, c in costs["mask_kl"].items()})  # fmt: skip
    return Sensitivity(candidates=widths, costs=costs, rank_correlation=correlation)
