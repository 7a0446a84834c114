"""One integer arithmetic: the torch side of rounding, shifting and requantizing (used in QAT
and the export) gives the integer reference's numpy results bit for bit, on random inputs
and on rounding boundaries, at every width 2–16 and both schemes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from resq.qat.quant.fake_quant import (
    FakeQuantize,
    fake_quantize,
    fake_quantize_bias,
    fake_requantize,
    quantize,
    quantize_bias,
)
from resq.spec.integer import intops, intref
from resq.spec.integer.qparams import QParams, qparams_from_range, quantize_multiplier

WIDTHS = range(2, 17)
SCHEMES = ("symmetric", "asymmetric")


def _qparams(rng: np.random.Generator, bits: int, scheme: str) -> QParams:
    low, high = -rng.uniform(0.01, 50.0), rng.uniform(0.01, 50.0)
    if scheme == "asymmetric" and rng.random() < 0.5:
        low = rng.uniform(0.0, 0.5) * high  # a one-sided range: the zero point at an end
    return qparams_from_range(float(low), float(high), bits, scheme)  # type: ignore[arg-type]


def _reals(rng: np.random.Generator, qp: QParams, n: int = 4000) -> np.ndarray:
    """Random reals beyond both ends of the range, and values on rounding boundaries."""
    span = qp.scale * (qp.quant_max - qp.quant_min)
    spread = rng.uniform(-0.75 * span, 0.75 * span, n)
    steps = rng.integers(qp.quant_min - qp.zero_point - 2, qp.quant_max - qp.zero_point + 2, n)
    boundaries = (steps + 0.5) * qp.scale  # exactly half-way: round half up decides
    return np.concatenate([spread, boundaries, [0.0, -0.0]])


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("bits", WIDTHS)
def test_quantize_and_fake_quantize_equal_the_reference(bits: int, scheme: str) -> None:
    rng = np.random.default_rng(bits * 7 + len(scheme))
    for _ in range(5):
        qp = _qparams(rng, bits, scheme)
        x = _reals(rng, qp)
        expected = intref.quantize_input(x, qp)
        got = quantize(torch.from_numpy(x), qp).long().numpy()
        np.testing.assert_array_equal(got, expected)
        fake = fake_quantize(torch.from_numpy(x), qp).numpy()
        np.testing.assert_array_equal(fake, intref.dequantize(expected, qp))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("bits", WIDTHS)
def test_requantize_equals_the_reference(bits: int, scheme: str) -> None:
    """FakeQuantize.requantize (eval, exact) of y = s_acc · acc: the integers of
    intops.requantize with the multiplier and shift of quantize_multiplier."""
    rng = np.random.default_rng(1000 + bits * 7 + len(scheme))
    for _ in range(5):
        qp = _qparams(rng, bits, scheme)
        fq = FakeQuantize(bits, scheme)  # type: ignore[arg-type]
        fq.enabled = True
        low, high = (
            qp.scale * (qp.quant_min - qp.zero_point),
            qp.scale * (qp.quant_max - qp.zero_point),
        )
        fq.observer.update(torch.tensor([low, high], dtype=torch.float64))
        fq.eval()
        out = fq.qparams()
        accumulator_scale = (
            out.scale * float(rng.uniform(2.0**-12, 4.0)) / 2 ** int(rng.integers(0, 12))
        )
        acc_bits = int(rng.integers(8, 40))
        acc = rng.integers(-(2 ** (acc_bits - 1)), 2 ** (acc_bits - 1), 3000, dtype=np.int64)
        y = torch.from_numpy(acc.astype(np.float64) * accumulator_scale)
        m, n = quantize_multiplier(accumulator_scale / out.scale)
        expected = intops.requantize(acc, m, n, out.zero_point, out.quant_min, out.quant_max)
        got = fq.requantize(y, accumulator_scale).numpy() / out.scale + out.zero_point
        np.testing.assert_array_equal(np.round(got).astype(np.int64), expected)
        assert np.allclose(got, np.round(got), atol=1e-6), "values on the integer grid"


@pytest.mark.parametrize("bits", WIDTHS)
def test_a_requantized_sum_of_two_products_equals_the_reference(bits: int) -> None:
    """The residual add's form: round_shift(a·m_a + b·m_b, n) + z, saturated."""
    rng = np.random.default_rng(2000 + bits)
    qp = _qparams(rng, bits, "asymmetric")
    product = rng.integers(-(2**45), 2**45, 5000, dtype=np.int64)
    shift = int(rng.integers(1, 40))
    value = fake_requantize(torch.zeros(5000, dtype=torch.float64), torch.from_numpy(product),
                            shift, qp)  # fmt: skip
    got = np.round(value.numpy() / qp.scale).astype(np.int64) + qp.zero_point
    expected = intops.requantize(product, 1, shift, qp.zero_point, qp.quant_min, qp.quant_max)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("bits", WIDTHS)
def test_biases_equal_the_reference(bits: int) -> None:
    rng = np.random.default_rng(3000 + bits)
    bound = intops.bias_bound(bits, bits, 64)
    scale = float(rng.uniform(1e-6, 1e-2))
    steps = rng.integers(-bound - 5, bound + 5, 3000)
    bias = np.concatenate([rng.uniform(-1.2, 1.2, 3000) * bound * scale, (steps + 0.5) * scale])
    expected = intops.saturate(np.floor(bias / scale + 0.5).astype(np.int64), -bound, bound)
    got = quantize_bias(torch.from_numpy(bias), scale, bound).long().numpy()
    np.testing.assert_array_equal(got, expected)
    fake = fake_quantize_bias(torch.from_numpy(bias), scale, bound).numpy()
    np.testing.assert_array_equal(fake, expected.astype(np.float64) * scale)
