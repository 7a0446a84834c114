"""The integer softmax of resq_attention, the same function in training and in the integer reference.

Scores arrive as integer accumulators acc = Σ (q − z_q)(k − z_k). With
M = s_q·s_k / (√d_head · ln 2) · 2^F, the base-2 logit in units of 2^−F is
t = round_shift(acc · m, n). Per row: u = max(t) − t ≥ 0, split into an integer part
k = u >> F and a fraction f = u mod 2^F; e = EXP2[f] >> min(k, E + 1), where
EXP2[f] = round(2^E · 2^(−f / 2^F)); D = Σ e; p = min(floor((e · 2^P + ⌊D/2⌋) / D), 2^P − 1).
The probability is p / 2^P, P = the probability bit width (unsigned, zero point 0).
"""

from __future__ import annotations

import math

import numpy as np
from resq.spec.integer.intops import Int, round_shift

FRAC_BITS = 6
"""F: fractional bits of the base-2 logit (a 64-entry exp table)."""

EXP_BITS = 15
"""E: the table holds 2^−x in units of 2^−15 (EXP2[0] = 2^15)."""


def exp2_table() -> np.ndarray:
    """EXP2[f] = round(2^E · 2^(−f / 2^F)) for f = 0 .. 2^F − 1 (int64)."""
    f = np.arange(1 << FRAC_BITS, dtype=np.float64)
    return np.round(2.0**EXP_BITS * np.exp2(-f / (1 << FRAC_BITS))).astype(Int)


EXP2 = exp2_table()

EXP_RANGE = (EXP_BITS + 1) << FRAC_BITS
"""From u = EXP_RANGE on, e = EXP2[f] >> (E + 1) = 0 (every EXP2 entry is below 2^(E+1))."""


def exp_of_distance() -> np.ndarray:
    """e(u) = EXP2[u mod 2^F] >> min(u >> F, E + 1) for u = 0 .. EXP_RANGE; e(EXP_RANGE) = 0."""
    u = np.arange(EXP_RANGE + 1, dtype=Int)
    table: np.ndarray = EXP2[u & ((1 << FRAC_BITS) - 1)] >> np.minimum(u >> FRAC_BITS, EXP_BITS + 1)
    return table


EXP_OF_DISTANCE = exp_of_distance()


def logit_multiplier(scale_q: float, scale_k: float, d_head: int) -> float:
    """M: real factor from a score accumulator to the base-2 logit in units of 2^−F."""
    return scale_q * scale_k / (math.sqrt(d_head) * math.log(2)) * (1 << FRAC_BITS)


def softmax_int(acc: np.ndarray, multiplier: int, shift: int, prob_bits: int) -> np.ndarray:
    """The integer softmax (inside resq_attention) over the last axis: integer probabilities p in [0, 2^P − 1].

    Works in place on its own temporaries (they are as large as `acc`)."""
    t = round_shift(np.asarray(acc, dtype=Int) * Int(multiplier), shift)
    u = np.subtract(t.max(axis=-1, keepdims=True), t, out=t)
    e = EXP_OF_DISTANCE[np.minimum(u, EXP_RANGE, out=u)]
    denominator = e.sum(axis=-1, keepdims=True)
    e <<= prob_bits
    e += denominator >> 1
    e //= denominator
    probabilities: np.ndarray = np.minimum(e, (1 << prob_bits) - 1, out=e)
    return probabilities
