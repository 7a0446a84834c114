"""Ablation sensitivity of a briefly trained QAT network."""

from __future__ import annotations

import numpy as np
from resq.optimizer.sensitivity import ablation, trained_width
from resq.qat.data import MinMax, Split, WindowedData
from resq.qat.experiment import train_float, train_qat
from resq.qat.training import predict
from resq.spec import COMPONENTS, BitConfig
from resq.spec.model import TransformerModel
from resq.spec.quantization import QuantizationSpec
from resq.spec.training import TrainingSpec


def _split(rng: np.random.Generator, n: int) -> Split:
    x = rng.uniform(0, 1, (n, 8, 3)).astype(np.float32)
    y = 0.6 * x[:, -1, :1] + 0.3 * x[:, :, 1:2].mean(axis=1) + 0.05
    return Split(x=x, y=y.astype(np.float32), end_times=np.arange(n))


def test_lower_widths_cost_and_the_trained_network_is_left_as_it_was() -> None:
    rng = np.random.default_rng(3)
    data = WindowedData(_split(rng, 512), _split(rng, 128), _split(rng, 128),
                        MinMax(np.zeros(3), np.ones(3)), MinMax(np.zeros(1), np.ones(1)))  # fmt: skip
    model = TransformerModel(n_features=3, window=8, d_model=8, n_heads=1, ffn_dim=16)
    component = {"inputs": 8, "weights": 8, "outputs": 8, "scheme": "asymmetric",
                 "storage": "auto", "parallelism": 1, "multiplier": "dsp"}  # fmt: skip
    bits = BitConfig.model_validate({"components": dict.fromkeys(COMPONENTS, component)})
    training = TrainingSpec(epochs=4, float_epochs=10, batch_size=32, lr=1e-2, patience=8)
    start = train_float(model, bits, data, training, seed=2)
    net = train_qat(model, bits, QuantizationSpec(range="lsq"), data, training, 2, start).net
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
