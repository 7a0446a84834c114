"""Quantize → dequantize error bounds, the adaptive rule, integer multipliers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from resq.qat.quant.fake_quant import FUSED_MAX_ELEMENTS, fake_quantize, fused_fake_quantize
from resq.spec.integer.qparams import choose_scheme, qparams_from_range, quantize_multiplier

RNG = np.random.default_rng(1234)


@pytest.mark.parametrize("bits", range(2, 17))
@pytest.mark.parametrize("scheme", ["symmetric", "asymmetric"])
def test_round_trip_error_is_at_most_half_a_step(bits: int, scheme: str) -> None:
    low, high = -1.3, 2.7
    x = torch.from_numpy(RNG.uniform(low, high, 5000))
    qp = qparams_from_range(low, high, bits, scheme)
    error = (fake_quantize(x, qp) - x).abs().max().item()
    assert error <= qp.scale / 2 + 1e-12
    steps = (high - low) / qp.scale
    assert steps <= (2**bits - 1) + 1e-9
    if scheme == "asymmetric":
        assert steps >= 2**bits - 1 - 1e-6  # the whole integer range is used


@pytest.mark.parametrize("bits", [2, 4, 8, 16])
def test_values_outside_the_range_saturate(bits: int) -> None:
    qp = qparams_from_range(-1.0, 1.0, bits, "symmetric")
    out = fake_quantize(torch.tensor([-50.0, 50.0], dtype=torch.float64), qp)
    assert out.tolist() == pytest.approx([qp.quant_min * qp.scale, qp.quant_max * qp.scale])


def test_symmetric_range_excludes_the_most_negative_code() -> None:
    qp = qparams_from_range(-1.0, 1.0, 8, "symmetric")
    assert (qp.quant_min, qp.quant_max, qp.zero_point) == (-127, 127, 0)


def test_asymmetric_zero_is_exactly_representable() -> None:
    qp = qparams_from_range(0.3, 5.0, 4, "asymmetric")
    zero = fake_quantize(torch.tensor([0.0], dtype=torch.float64), qp)
    assert zero.item() == 0.0


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (-1.0, 1.0, "symmetric"),
        (-0.95, 1.0, "symmetric"),
        (-0.5, 1.0, "asymmetric"),
        (0.0, 4.0, "asymmetric"),
    ],
)
def test_adaptive_rule(low: float, high: float, expected: str) -> None:
    assert choose_scheme(low, high, threshold=0.1) == expected


def test_straight_through_gradient_passes_inside_and_stops_outside() -> None:
    qp = qparams_from_range(-1.0, 1.0, 4, "symmetric")
    x = torch.tensor([-3.0, -0.4, 0.1, 0.9, 3.0], dtype=torch.float64, requires_grad=True)
    fake_quantize(x, qp).sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("size", [64, FUSED_MAX_ELEMENTS + 1])
@pytest.mark.parametrize("scheme", ["symmetric", "asymmetric"])
def test_training_form_matches_the_exact_form_off_rounding_boundaries(
    size: int, scheme: str
) -> None:
    """Small tensors take PyTorch's fused kernel in training mode, large ones the exact form;
    both clip the gradient like the STE and agree with `fake_quantize` off a boundary."""
    qp = qparams_from_range(-2.0, 1.5, 4, scheme)
    x = torch.from_numpy(RNG.uniform(-3.0, 2.5, size).astype(np.float32)).requires_grad_(True)
    out = fused_fake_quantize(x, qp.scale, qp.zero_point, qp.quant_min, qp.quant_max)
    out.sum().backward()
    steps = x.detach().double() / qp.scale + 0.5
    away = (steps - steps.floor() - 0.5).abs() < 0.499
    assert torch.equal(out.detach()[away], fake_quantize(x.detach(), qp)[away])
    codes = torch.floor(steps) + qp.zero_point
    inside = (codes >= qp.quant_min) & (codes <= qp.quant_max)
    assert x.grad is not None
    assert torch.equal(x.grad[away], inside[away].float())
    assert (~inside).sum() > size // 10


@pytest.mark.parametrize("real", [1e-6, 0.0123, 0.5, 0.99999, 1.0, 3.7, 1000.0])
def test_multiplier_is_accurate_to_2_pow_minus_15(real: float) -> None:
    m, n = quantize_multiplier(real)
    assert 2**14 <= m < 2**15
    assert 1 <= n <= 62
    assert abs(m / 2**n - real) / real <= 2**-15


def test_multiplier_rejects_what_cannot_be_represented() -> None:
    with pytest.raises(ValueError, match="too large"):
        quantize_multiplier(2.0**13)
    with pytest.raises(ValueError, match="≥ 0"):
        quantize_multiplier(-1.0)
    assert quantize_multiplier(0.0) == (0, 1)
