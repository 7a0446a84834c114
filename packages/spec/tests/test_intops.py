"""The integer operations: rounding half up, saturation, accumulator widths."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from resq.spec.integer.intops import accumulator_bits, bias_bound, requantize, round_shift
from resq.spec.integer.qparams import quantize_multiplier


def test_round_shift_rounds_half_up() -> None:
    values = np.array([-6, -5, -3, -2, -1, 1, 2, 3, 5, 6])
    # divide by 4: -1.5 -1.25 -0.75 -0.5 -0.25 0.25 0.5 0.75 1.25 1.5
    assert round_shift(values, 2).tolist() == [-1, -1, -1, 0, 0, 0, 1, 1, 1, 2]


def test_requantize_saturates_instead_of_wrapping() -> None:
    m, n = quantize_multiplier(1.0)
    out = requantize(
        np.array([-1000, -5, 0, 5, 1000]), m, n, zero_point=3, quant_min=-8, quant_max=7
    )
    assert out.tolist() == [-8, -2, 3, 7, 7]


@given(
    bits_x=st.integers(2, 16),
    bits_w=st.integers(2, 16),
    terms=st.integers(1, 4096),
    sign_x=st.sampled_from([-1, 1]),
    sign_w=st.sampled_from([-1, 1]),
    bias_sign=st.sampled_from([-1, 0, 1]),
)
def test_extreme_accumulators_fit_their_declared_width(
    bits_x: int, bits_w: int, terms: int, sign_x: int, sign_w: int, bias_sign: int
) -> None:
    # the largest |x − z_x| is 2^b − 1 (x at one end of the range, z at the other)
    dx = sign_x * ((1 << bits_x) - 1)
    dw = sign_w * ((1 << bits_w) - 1)
    acc = terms * dx * dw + bias_sign * bias_bound(bits_x, bits_w, terms)
    width = accumulator_bits(bits_x, bits_w, terms)
    assert -(1 << (width - 1)) <= acc < (1 << (width - 1))
    m, _ = quantize_multiplier(0.999)
    assert abs(acc * m) < 2**63  # the requantization product fits int64
