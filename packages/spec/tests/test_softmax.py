"""The integer softmax: a probability distribution close to the float softmax."""

from __future__ import annotations

import math

import numpy as np
import pytest
from resq.spec.integer.intops import round_shift
from resq.spec.integer.qparams import quantize_multiplier
from resq.spec.integer.softmax import EXP2, EXP_BITS, FRAC_BITS, logit_multiplier, softmax_int


def test_exp_table_starts_at_one_and_halves_over_the_table() -> None:
    assert EXP2[0] == 2**EXP_BITS
    assert EXP2[-1] > 2 ** (EXP_BITS - 1)
    assert np.all(np.diff(EXP2) < 0)


@pytest.mark.parametrize("prob_bits", [4, 6, 8, 12])
def test_integer_softmax_tracks_the_float_softmax(prob_bits: int) -> None:
    rng = np.random.default_rng(7)
    scale_q, scale_k, d_head = 0.02, 0.03, 16
    acc = rng.integers(-4000, 4000, size=(50, 24))
    m, n = quantize_multiplier(logit_multiplier(scale_q, scale_k, d_head))
    p = softmax_int(acc, m, n, prob_bits)
    logits = acc * scale_q * scale_k / math.sqrt(d_head)
    reference = np.exp(logits - logits.max(axis=1, keepdims=True))
    reference /= reference.sum(axis=1, keepdims=True)
    assert p.min() >= 0 and p.max() <= 2**prob_bits - 1
    assert np.abs(p / 2**prob_bits - reference).max() <= 2.0 / 2**prob_bits + 0.002


def test_integer_softmax_of_equal_scores_is_uniform() -> None:
    p = softmax_int(np.zeros((1, 8), dtype=np.int64), 20000, 14, 8)
    assert p.tolist() == [[32] * 8]


def test_integer_softmax_follows_its_documented_formula() -> None:
    """The module docstring's steps, one by one, over distances u well past the table."""
    rng = np.random.default_rng(3)
    acc = rng.integers(-40_000, 40_000, size=(200, 24))
    m, n, prob_bits = 23_000, 14, 6
    t = round_shift(acc * m, n)
    u = t.max(axis=-1, keepdims=True) - t
    assert u.max() > (EXP_BITS + 1) << FRAC_BITS
    e = EXP2[u % (1 << FRAC_BITS)] >> np.minimum(u // (1 << FRAC_BITS), EXP_BITS + 1)
    d = e.sum(axis=-1, keepdims=True)
    expected = np.minimum((e * 2**prob_bits + d // 2) // d, 2**prob_bits - 1)
    assert np.array_equal(softmax_int(acc, m, n, prob_bits), expected)
