"""DSP slices from the multiplies an IP builds: Yosys `synth_xilinx`'s rule for 7-series.

Yosys maps a multiply to DSP48E1 slices (`techmap +/mul2dsp.v` with the xc7 options:
A at most 25 bits, B at most 18, partial A slices of 18, every operand at least 2 bits and
the product at least 9, signed only) and leaves smaller ones to LUTs. A wider multiply is
cut into partial products of 18 × B (A wider than 25) or A × 18 (B wider than 18), each
carrying 17 new bits, and the rest is mapped the same way. The widths are those left after
Yosys's width reduction, which `resq.hdlgen.multipliers` gives. A count is a whole number:
unlike LUTs, it needs no fitting between measured points.
"""

from __future__ import annotations

from collections.abc import Mapping

from resq.estimator.profile import IP_BITS
from resq.hdlgen.mapping import Generic
from resq.hdlgen.multipliers import ip_products

A_MAX, B_MAX, PARTIAL, MIN_OPERAND, MIN_PRODUCT = 25, 18, 18, 2, 9
"""xc7 options of mul2dsp in Yosys synth_xilinx: DSP_A_MAXWIDTH, DSP_B_MAXWIDTH,
DSP_A_MAXWIDTH_PARTIAL (= B's), DSP_A_MINWIDTH = DSP_B_MINWIDTH, DSP_Y_MINWIDTH."""


def dsp48_slices(a_bits: int, b_bits: int, swap: bool = True) -> int:
    """DSP48E1 slices of one signed multiply of `a_bits` × `b_bits` (1..) bits (0: LUTs)."""
    if min(a_bits, b_bits) < MIN_OPERAND or a_bits + b_bits < MIN_PRODUCT:
        return 0
    if swap and a_bits < b_bits:
        a_bits, b_bits = b_bits, a_bits
    step = PARTIAL - 1  # one bit of each partial slice is the sign's headroom
    if a_bits > A_MAX:
        n = (a_bits - A_MAX + PARTIAL - 2) // step
        return n * dsp48_slices(PARTIAL, b_bits, False) + dsp48_slices(
            a_bits - n * step, b_bits, False)  # fmt: skip
    if b_bits > B_MAX:
        n = (b_bits - B_MAX + PARTIAL - 2) // step
        return n * dsp48_slices(a_bits, PARTIAL, False) + dsp48_slices(
            a_bits, b_bits - n * step, False)  # fmt: skip
    return 1


def block_dsp(block: str, generics: Mapping[str, Generic]) -> int:
    """DSP slices of one knowledge-base block (an IP, a ROM or a buffer) with `generics`."""
    if block not in IP_BITS:  # a ROM or a buffer: no multiply
        return 0
    return sum(p.count * dsp48_slices(p.a_bits, p.b_bits) for p in ip_products(block, generics))


def lut_multiply_area(block: str, generics: Mapping[str, Generic]) -> int:
    """Σ count · a_bits · b_bits over the multiplies of a block that stay in LUTs: all of
    them with MULT_STYLE "lut", those too small for a DSP slice with "dsp". A LUT multiplier
    grows with this area; the fitted model (resq.estimator.fit) uses it as a regressor."""
    if block not in IP_BITS:
        return 0
    in_luts = generics.get("MULT_STYLE") == "lut"
    products = ip_products(block, {**generics, "MULT_STYLE": "dsp"})
    return sum(p.count * p.a_bits * p.b_bits for p in products
               if in_luts or dsp48_slices(p.a_bits, p.b_bits) == 0)  # fmt: skip
