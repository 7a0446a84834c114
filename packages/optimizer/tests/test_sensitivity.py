"""Ablation sensitivity of a briefly trained QAT network."""

from __future__ import annotations

import numpy as np
import pytest
from resq.optimizer.sensitivity import ablation, mask_guided, rank_correlation, trained_width
from resq.qat.experiment import train_float, train_qat
from resq.qat.models.transformer import Transformer
from resq.qat.training import predict
from resq.spec import COMPONENTS, BitConfig
from resq.spec.data import MinMax, Split, WindowedData
from resq.spec.model import TransformerModel
from resq.spec.quantization import QuantizationSpec
from resq.spec.training import TrainingSpec


def _split(rng: np.random.Generator, n: int) -> Split:
    x = rng.uniform(0, 1, (n, 8, 3)).astype(np.float32)
    y = 0.6 * x[:, -1, :1] + 0.3 * x[:, :, 1:2].mean(axis=1) + 0.05
    return Split(x=x, y=y.astype(np.float32), end_times=np.arange(n))


@pytest.fixture(scope="module")
def trained() -> tuple[Transformer, WindowedData]:
    """A QAT network (8 bit, learned ranges) trained briefly on a learnable synthetic task."""
    rng = np.random.default_rng(3)
    data = WindowedData(_split(rng, 512), _split(rng, 128), _split(rng, 128),
                        MinMax(np.zeros(3), np.ones(3)), MinMax(np.zeros(1), np.ones(1)))  # fmt: skip
    model = TransformerModel(n_features=3, window=8, d_model=8, n_heads=1, ffn_dim=16)
    component = {"inputs": 8, "weights": 8, "outputs": 8, "scheme": "asymmetric",
                 "storage": "auto", "parallelism": 1, "multiplier": "dsp"}  # fmt: skip
    bits = BitConfig.model_validate({"components": dict.fromkeys(COMPONENTS, component)})
    training = TrainingSpec(epochs=4, float_epochs=10, batch_size=32, lr=1e-2, patience=8)
    start = train_float(model, bits, data, training, seed=2)
    return train_qat(model, bits, QuantizationSpec(range="lsq"), data, training, 2, start).net, data


def test_lower_widths_cost_and_the_trained_network_is_left_as_it_was(
    trained: tuple[Transformer, WindowedData],
) -> None:
    net, data = trained
    net.set_exact(False)
    before = predict(net, data.validation.x)
    sources = ["Linput.inputs", "MHA.outputs", "FFN.weights", "Loutput.weights", "softmax"]
    costs = ablation(net, data.validation, sources, (2, 4, 8))
    assert np.array_equal(predict(net, data.validation.x), before)
    assert all(trained_width(net, s) == 8 for s in sources)
    assert all(costs[source][8] == 0.0 for source in sources)
    assert float(np.std(before)) > 0.1  # the network learned the target, not a constant
    assert all(costs[s][2] > costs[s][4] for s in sources)
    assert costs["MHA.outputs"][4] > 0


def test_masking_more_weights_moves_the_output_more(
    trained: tuple[Transformer, WindowedData],
) -> None:
    net, data = trained
    net.set_exact(False)
    before = predict(net, data.validation.x)
    divergence = mask_guided(net, data.validation, ["MHA", "FFN", "Loutput", "AddMHA"],
                             ratios=(0.25, 0.5))  # fmt: skip
    assert np.array_equal(predict(net, data.validation.x), before)
    for component in ("MHA", "FFN", "Loutput"):
        assert divergence[component][0.5] > divergence[component][0.25] > 0
    assert divergence["AddMHA"] == {0.25: 0.0, 0.5: 0.0}  # an add has no weights


def test_rank_correlation_of_two_orders() -> None:
    a = {"MHA": 3.0, "FFN": 2.0, "GAP": 1.0, "Loutput": 0.5}
    assert rank_correlation(a, a) == pytest.approx(1.0)
    assert rank_correlation(a, {k: -v for k, v in a.items()}) == pytest.approx(-1.0)
    assert rank_correlation(a, {"MHA": 1.0, "FFN": 1.0, "GAP": 0.0, "Loutput": 0.0}) == (
        pytest.approx(0.8944, abs=1e-4)
    )
    with pytest.raises(ValueError, match="at least two"):
        rank_correlation({"MHA": 1.0}, {"MHA": 2.0})
