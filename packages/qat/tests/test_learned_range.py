"""Learned ranges (LSQ): they start from the observed range, train, survive state_dict, and
export to integers the integer reference computes bit for bit."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from resq.qat.experiment import restore_qat
from resq.qat.export import export_intmodel
from resq.qat.models import Transformer
from resq.qat.quant.fake_quant import FakeQuantize, LearnableFakeQuantize, learnable_fake_quantize
from resq.qat.quant.observers import MSEObserver, TensorMSEObserver
from resq.qat.training import calibrate, predict, train_step
from resq.spec import BitConfig
from resq.spec.data import WindowedData
from resq.spec.integer import intref
from resq.spec.model import TransformerModel
from resq.spec.quantization import QuantizationSpec


def _learned(scheme: str, x: torch.Tensor) -> LearnableFakeQuantize:
    quantizer = FakeQuantize(4, scheme, observer=MSEObserver(4, "asymmetric"))  # type: ignore[arg-type]
    quantizer.enabled = True
    quantizer.train()
    quantizer(x)
    return LearnableFakeQuantize.from_observed(quantizer)


@pytest.mark.parametrize("scheme", ["symmetric", "asymmetric"])
def test_a_learned_range_starts_where_the_observer_was(scheme: str) -> None:
    x = torch.linspace(-1.0, 3.0, 1000)
    quantizer = FakeQuantize(4, scheme, observer=MSEObserver(4, "asymmetric"))  # type: ignore[arg-type]
    quantizer.enabled = True
    quantizer(x)
    observed = quantizer.qparams()
    quantizer = LearnableFakeQuantize.from_observed(quantizer)
    learned = quantizer.qparams()
    assert learned.zero_point == observed.zero_point and learned.scheme == observed.scheme
    assert learned.scale == pytest.approx(observed.scale, rel=1e-6)
    assert quantizer.log_scale.requires_grad
    assert quantizer.zero_point.requires_grad == (scheme == "asymmetric")
    quantizer(10 * x)  # an observed range would widen; a learned one does not move
    assert quantizer.qparams() == learned


def test_the_lsq_gradient_moves_a_too_wide_range_towards_less_error() -> None:
    """Start from a range 8× too wide; minimising the quantization error shrinks the scale."""
    x = torch.randn(4000, generator=torch.Generator().manual_seed(0))
    quantizer = _learned("symmetric", 8 * x)
    start = quantizer.qparams().scale
    optimizer = torch.optim.Adam([quantizer.log_scale], lr=0.05)

    def error() -> torch.Tensor:
        return ((quantizer(x) - x) ** 2).mean()

    first = float(error().detach())
    for _ in range(100):
        optimizer.zero_grad()
        error().backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    assert quantizer.qparams().scale < start / 3
    assert float(error().detach()) < first / 4


def test_a_learned_range_survives_state_dict() -> None:
    quantizer = _learned("asymmetric", torch.linspace(-1.0, 3.0, 1000))
    with torch.no_grad():
        quantizer.log_scale.add_(0.3)
        quantizer.zero_point.add_(1.2)
    restored = LearnableFakeQuantize(4, "asymmetric", observer=MSEObserver(4, "asymmetric"))
    restored.load_state_dict(quantizer.state_dict())
    assert restored.qparams() == quantizer.qparams()
    assert restored.log_scale.requires_grad and restored.zero_point.requires_grad


def test_weights_start_from_their_least_error_range_and_the_model_stays_bit_exact(
    synthetic: WindowedData,
    small_model: TransformerModel,
    uniform_bits: Callable[..., BitConfig],
) -> None:
    torch.manual_seed(3)
    net = Transformer(small_model, uniform_bits(8, "adaptive"))
    net.train()
    net(torch.from_numpy(synthetic.train.x[:64]))  # float batch-norm statistics
    net.set_range("lsq")
    net.set_quantized(True)
    calibrate(net, synthetic.train, 64)
    assert isinstance(net.linput.weight_fq.observer, TensorMSEObserver)
    before = {name: q.qparams() for name, q in net.named_modules() if isinstance(q, FakeQuantize)}
    net.learn_ranges()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    x, y = torch.from_numpy(synthetic.train.x), torch.from_numpy(synthetic.train.y)
    net.set_exact(False)
    net.train()
    for start in range(0, min(640, len(x) - 64), 64):
        train_step(net, optimizer, x[start : start + 64], y[start : start + 64])
    net.set_exact(True)
    after = {name: q.qparams() for name, q in net.named_modules() if isinstance(q, FakeQuantize)}
    assert sum(before[name].scale != after[name].scale for name in before) >= len(before) - 1
    model, arrays = export_intmodel(net, synthetic.features, synthetic.target)
    expected = predict(copy.deepcopy(net).double(), synthetic.test.x)
    np.testing.assert_array_equal(intref.predict(model, arrays, synthetic.test.x), expected)
    assert len(np.unique(expected)) > 3

    quantization = QuantizationSpec(range="lsq")
    restored = restore_qat(small_model, uniform_bits(8, "adaptive"), quantization, net.state_dict())
    learnable = [m for m in restored.modules() if isinstance(m, FakeQuantize)]
    assert learnable and all(isinstance(m, LearnableFakeQuantize) for m in learnable)
    assert {
        n: q.qparams() for n, q in restored.named_modules() if isinstance(q, FakeQuantize)
    } == after
    np.testing.assert_array_equal(
        predict(copy.deepcopy(restored).double(), synthetic.test.x), expected
    )


@pytest.mark.parametrize("zero_point", [0.0, 2.3])
def test_the_learned_step_matches_pytorchs_lsq_kernel(zero_point: float) -> None:
    """Values, the STE and the scale and zero-point gradients of PyTorch's LSQ kernel (away
    from rounding boundaries, where it rounds half to even)."""
    generator = torch.Generator().manual_seed(5)
    x = (torch.randn(5000, generator=generator) * 2).requires_grad_()
    grad = torch.randn(5000, generator=generator)
    results = []
    for function in ("resq", "torch"):
        log_scale = torch.tensor([math.log(0.3)], requires_grad=True)
        zero = torch.tensor([zero_point], requires_grad=True)
        if function == "resq":
            y = learnable_fake_quantize(x, log_scale, zero, -8, 7)
        else:
            factor = 1.0 / math.sqrt(x.numel() * 7)
            y = torch._fake_quantize_learnable_per_tensor_affine(
                x, log_scale.exp(), zero, -8, 7, factor
            )
        y.backward(grad)  # type: ignore[no-untyped-call]
        results.append((y.detach(), x.grad.clone(), log_scale.grad, zero.grad))  # type: ignore[union-attr]
        x.grad = None
    for ours, theirs in zip(*results, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
