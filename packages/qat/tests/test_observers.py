"""Observers: running min/max, latest tensor, EMA; their state; the model-wide choice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from resq.qat.models import Transformer
from resq.qat.quant.fake_quant import FakeQuantize, fake_quantize
from resq.qat.quant.observers import (
    EMAMinMaxObserver,
    MinMaxObserver,
    MSEObserver,
    TensorMinMaxObserver,
    TensorMSEObserver,
    activation_observer,
    weight_observer,
)
from resq.qat.training import calibrate
from resq.spec import BitConfig
from resq.spec.data import WindowedData
from resq.spec.integer.qparams import qparams_from_range
from resq.spec.model import TransformerModel

BATCHES = [torch.tensor([-1.0, 2.0]), torch.tensor([0.5, 3.0]), torch.tensor([-4.0, 0.0])]


def observed(observer: MinMaxObserver) -> list[tuple[float, float]]:
    ranges = []
    for batch in BATCHES:
        observer.update(batch)
        ranges.append(observer.range)
    return ranges


def test_minmax_keeps_the_union_of_every_batch() -> None:
    assert observed(MinMaxObserver()) == [(-1.0, 2.0), (-1.0, 3.0), (-4.0, 3.0)]


def test_tensor_observer_follows_the_latest_tensor() -> None:
    assert observed(TensorMinMaxObserver()) == [(-1.0, 2.0), (0.5, 3.0), (-4.0, 0.0)]


def test_ema_starts_at_the_first_batch_then_moves_by_its_momentum() -> None:
    low, high = -1.0, 2.0
    expected = [(low, high)]
    for batch in BATCHES[1:]:
        low = 0.75 * low + 0.25 * float(batch.min())
        high = 0.75 * high + 0.25 * float(batch.max())
        expected.append((low, high))
    got = observed(EMAMinMaxObserver(momentum=0.25))
    for (low_got, high_got), (low_expected, high_expected) in zip(got, expected, strict=True):
        assert low_got == pytest.approx(low_expected) and high_got == pytest.approx(high_expected)


def test_update_reports_whether_the_range_moved() -> None:
    observer = MinMaxObserver()
    assert observer.update(torch.tensor([-1.0, 1.0]))
    assert not observer.update(torch.tensor([0.0, 0.5]))
    assert observer.update(torch.tensor([0.0, 1.5]))


@pytest.mark.parametrize("kind", [MinMaxObserver, TensorMinMaxObserver, EMAMinMaxObserver])
def test_the_range_survives_state_dict(kind: type[MinMaxObserver]) -> None:
    observer = kind()
    observed(observer)
    state = observer.state_dict()
    assert (float(state["min_val"]), float(state["max_val"])) == observer.range
    restored = kind()
    assert not restored.initialised
    restored.load_state_dict(state)
    assert restored.range == observer.range


def test_activation_observer_names_its_kinds() -> None:
    assert type(activation_observer("minmax")) is MinMaxObserver
    ema = activation_observer("ema", momentum=0.2)
    assert isinstance(ema, EMAMinMaxObserver) and ema.momentum == 0.2
    mse = activation_observer("mse", 4)
    assert isinstance(mse, MSEObserver) and mse.bit_width == 4
    assert isinstance(activation_observer("lsq", 4), MSEObserver)
    with pytest.raises(ValueError, match="not one of minmax, ema, mse, lsq"):
        activation_observer("median")  # type: ignore[arg-type]
    assert type(weight_observer("mse")) is TensorMinMaxObserver
    lsq = weight_observer("lsq", 4, "symmetric")
    assert isinstance(lsq, TensorMSEObserver) and lsq.tracks_latest and lsq.scheme == "symmetric"


def test_tensor_mse_observer_searches_the_latest_tensor_only() -> None:
    observer = TensorMSEObserver(4)
    assert observer.update(torch.linspace(-4, 4, 1000))
    wide = observer.range
    assert not observer.update(torch.linspace(-4, 4, 1000))  # the same tensor: no search
    assert observer.update(torch.linspace(-1, 1, 1000))
    assert observer.range[1] < wide[1] / 2 and float(observer.histogram.sum()) == 1000


def test_model_takes_ema_for_activations_and_keeps_weights_on_the_latest_value(
    small_model: TransformerModel,
    uniform_bits: Callable[..., BitConfig],
    synthetic: WindowedData,
) -> None:
    net = Transformer(small_model, uniform_bits(8))
    net.set_range("ema", momentum=0.05)
    net.set_quantized(True)
    calibrate(net, synthetic.train, 32)
    quantizers = [m for m in net.modules() if isinstance(m, FakeQuantize)]
    kinds = {type(q.observer) for q in quantizers}
    assert kinds == {EMAMinMaxObserver, TensorMinMaxObserver}
    assert net.input_quant.output_fq.observer.momentum == 0.05
    assert isinstance(net.linput.weight_fq.observer, TensorMinMaxObserver)
    assert all(q.observer.initialised for q in quantizers)
    x = torch.from_numpy(synthetic.train.x)
    low, high = net.input_quant.output_fq.observer.range
    assert float(x.min()) <= low < high <= float(x.max())


def test_mse_clips_an_outlier_that_minmax_would_keep() -> None:
    """99,999 values in [-1, 1] and one at 50: at 4 bit, min/max spends the 15 steps on the
    outlier (step 3.4); the MSE range stays near the bulk and clips the one value."""
    rng = torch.Generator().manual_seed(0)
    bulk = torch.rand(99_999, generator=rng, dtype=torch.float64) * 2 - 1
    x = torch.cat([bulk, torch.tensor([50.0], dtype=torch.float64)])
    mse, minmax = MSEObserver(4), MinMaxObserver()
    mse.update(x)
    minmax.update(x)
    assert minmax.range == (pytest.approx(-1.0, abs=1e-3), 50.0)
    low, high = mse.range
    assert -1.0 <= low < -0.5 and 0.5 < high <= 50 / 16 + 0.1


def _error(x: torch.Tensor, low: float, high: float, bits: int) -> float:
    """Mean squared error of quantizing x with the qparams of [low, high] (asymmetric)."""
    qp = qparams_from_range(low, high, bits, "asymmetric")
    return float(((x - fake_quantize(x, qp)) ** 2).mean())


@pytest.mark.parametrize(("bits", "ratio"), [(3, 0.5), (4, 0.8), (6, 1.01), (8, 1.01)])
def test_mse_range_quantizes_with_less_error_than_minmax(bits: int, ratio: float) -> None:
    """Heavy tails (z³): at 3 and 4 bit clipping pays; at 6 and 8 bit min/max is close to the
    best and the MSE range must match it (min/max is one of its candidates) within the
    histogram's resolution."""
    rng = torch.Generator().manual_seed(1)
    x = torch.randn(20_000, generator=rng, dtype=torch.float64) ** 3
    observer = MSEObserver(bits)
    observer.update(x)
    low, high = observer.range
    assert _error(x, low, high, bits) < ratio * _error(x, float(x.min()), float(x.max()), bits)


def test_mse_histogram_widens_and_the_range_follows_every_few_updates() -> None:
    observer = MSEObserver(8, every=2)
    assert observer.update(torch.linspace(-1, 1, 1000, dtype=torch.float64))
    first = observer.range
    assert not observer.update(torch.linspace(-4, 4, 1000, dtype=torch.float64))
    assert observer.range == first  # recomputed every 2 updates
    assert observer.update(torch.linspace(-4, 4, 1000, dtype=torch.float64))
    assert observer.range[1] > first[1]
    assert float(observer.histogram.sum()) == 3000 and observer.edges.tolist() == [-4.0, 4.0]
    state = observer.state_dict()
    restored = MSEObserver(8, every=2)
    restored.load_state_dict(state)
    assert restored.range == observer.range and torch.equal(restored.histogram, observer.histogram)
