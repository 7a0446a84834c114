"""The integer operations of resq, on numpy int64 arrays. The VHDL mirrors them bit for bit.

Rounding is half up (towards +∞): add 2^(n−1), then arithmetic shift right by n.
Results saturate to [quant_min, quant_max]; nothing wraps.
"""

from __future__ import annotations

import numpy as np

Int = np.int64


def round_shift(value: np.ndarray, shift: np.ndarray | int) -> np.ndarray:
    """floor((value + 2^(shift−1)) / 2^shift): division by 2^shift rounding half up; shift ≥ 1."""
    shift = np.asarray(shift, dtype=Int)
    rounded: np.ndarray = (np.asarray(value, dtype=Int) + np.left_shift(Int(1), shift - 1)) >> shift
    return rounded


def requantize(
    acc: np.ndarray,
    multiplier: np.ndarray | int,
    shift: np.ndarray | int,
    zero_point: int,
    quant_min: int,
    quant_max: int,
) -> np.ndarray:
    """resq_requantize: clamp(round_shift(acc · m, n) + zero_point, quant_min, quant_max).

    `acc` must fit its declared accumulator width A so that acc · m fits 63 bits (A ≤ 48).
    """
    product = np.asarray(acc, dtype=Int) * np.asarray(multiplier, dtype=Int)
    return saturate(round_shift(product, shift) + zero_point, quant_min, quant_max)


def saturate(value: np.ndarray, quant_min: int, quant_max: int) -> np.ndarray:
    """Clamp to [quant_min, quant_max]."""
    clamped: np.ndarray = np.clip(np.asarray(value, dtype=Int), quant_min, quant_max)
    return clamped


def accumulator_bits(input_bits: int, weight_bits: int, terms: int) -> int:
    """Width A of a signed accumulator that holds Σ (x − z_x)(w − z_w) + bias over `terms`.

    |x − z_x| < 2^input_bits and |w − z_w| < 2^weight_bits, so the sum is below
    terms · 2^(input_bits + weight_bits); the bias is clamped to the same bound, so
    |acc| < 2^(input_bits + weight_bits + ceil(log2 terms) + 1) and A adds one sign bit.
    """
    return input_bits + weight_bits + max(terms - 1, 0).bit_length() + 2


def bias_bound(input_bits: int, weight_bits: int, terms: int) -> int:
    """Largest |bias| the accumulator width allows: terms · 2^(input_bits + weight_bits)."""
    return terms << (input_bits + weight_bits)
