"""Quantization parameters: scale and zero point of one tensor, and integer multipliers.

Signed integers of `bit_width` bits throughout. Symmetric: zero_point 0, range
[−(2^(b−1) − 1), 2^(b−1) − 1]. Asymmetric: range [−2^(b−1), 2^(b−1) − 1] with a zero point
inside it. real = scale · (q − zero_point).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ConcreteScheme = Literal["symmetric", "asymmetric"]

MULTIPLIER_BITS = 15
"""A requantization multiplier m satisfies 2^14 ≤ m < 2^15 (15-bit unsigned)."""


class QParams(BaseModel):
    """Scale (real units per integer step) and zero point of one quantized tensor."""

    model_config = ConfigDict(frozen=True)

    scale: float = Field(gt=0)
    zero_point: int
    bit_width: int = Field(ge=2, le=16)
    scheme: ConcreteScheme

    @property
    def quant_min(self) -> int:
        return quant_range(self.bit_width, self.scheme)[0]

    @property
    def quant_max(self) -> int:
        return quant_range(self.bit_width, self.scheme)[1]


def quant_range(bit_width: int, scheme: ConcreteScheme) -> tuple[int, int]:
    """(quant_min, quant_max) of a signed `bit_width`-bit integer under `scheme`."""
    half = 1 << (bit_width - 1)
    return (-half + 1 if scheme == "symmetric" else -half), half - 1


def symmetry(x_min: float, x_max: float) -> float:
    """|max + min| / (max − min): 0 for a range centred on zero, 1 for one-sided."""
    span = x_max - x_min
    return abs(x_max + x_min) / span if span > 0 else 1.0


def choose_scheme(x_min: float, x_max: float, threshold: float) -> ConcreteScheme:
    """The adaptive rule: symmetric when symmetry(min, max) ≤ threshold, else asymmetric."""
    return "symmetric" if symmetry(x_min, x_max) <= threshold else "asymmetric"


def qparams_from_range(
    x_min: float, x_max: float, bit_width: int, scheme: ConcreteScheme
) -> QParams:
    """Scale and zero point covering [x_min, x_max] (widened to include 0)."""
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    q_min, q_max = quant_range(bit_width, scheme)
    if scheme == "symmetric":
        scale = max(abs(x_min), abs(x_max)) / q_max
        zero_point = 0
    else:
        scale = (x_max - x_min) / (q_max - q_min)
        zero_point = 0 if scale == 0 else min(q_max, max(q_min, round(q_min - x_min / scale)))
    return QParams(
        scale=max(scale, 1e-12), zero_point=zero_point, bit_width=bit_width, scheme=scheme
    )


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(m, n) with m / 2^n ≈ real, 2^14 ≤ m < 2^15 and 1 ≤ n ≤ 62; (0, 1) for real ≈ 0.

    Relative error ≤ 2^−15. Raises ValueError for real ≥ 2^13 or real < 0.
    """
    if real < 0 or not math.isfinite(real):
        raise ValueError(f"requantization multiplier {real} must be finite and ≥ 0")
    if real >= 2**13:
        raise ValueError(f"requantization multiplier {real} is too large (≥ 2^13)")
    if real < 2.0**-47:
        return 0, 1
    n = MULTIPLIER_BITS - 1 - math.floor(math.log2(real))
    m = round(real * 2.0**n)
    if m >= 1 << MULTIPLIER_BITS:
        m, n = m >> 1, n - 1
    return m, n


def quantize_multiplier_pair(real_a: float, real_b: float) -> tuple[int, int, int]:
    """(m_a, m_b, n) with m_a / 2^n ≈ real_a and m_b / 2^n ≈ real_b sharing one shift.

    The larger factor sets n as in `quantize_multiplier`; the other is round(real · 2^n),
    so both multipliers are below 2^15.
    """
    if real_b > real_a:
        m_b, m_a, n = quantize_multiplier_pair(real_b, real_a)
        return m_a, m_b, n
    m_a, n = quantize_multiplier(real_a)
    return m_a, min(round(real_b * 2.0**n), (1 << MULTIPLIER_BITS) - 1), n
