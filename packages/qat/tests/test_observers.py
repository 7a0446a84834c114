"""Observers: running min/max, latest tensor, EMA; their state; the model-wide choice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from resq.qat.data import WindowedData
from resq.qat.models import Transformer
from resq.qat.quant.fake_quant import FakeQuantize
from resq.qat.quant.observers import (
    EMAMinMaxObserver,
    MinMaxObserver,
    TensorMinMaxObserver,
    activation_observer,
)
from resq.qat.training import calibrate
from resq.spec import BitConfig
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
    ema = activation_observer("ema", 0.2)
    assert isinstance(ema, EMAMinMaxObserver) and ema.momentum == 0.2
    with pytest.raises(ValueError, match="not one of minmax, ema"):
        activation_observer("median")  # type: ignore[arg-type]


def test_model_takes_ema_for_activations_and_keeps_weights_on_the_latest_value(
    small_model: TransformerModel,
    uniform_bits: Callable[..., BitConfig],
    synthetic: WindowedData,
) -> None:
    net = Transformer(small_model, uniform_bits(8))
    net.set_observer(lambda: activation_observer("ema", 0.05))
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
