"""The multiplies each IP of cores/ builds, from its generics: what a synthesis tool maps to
DSP slices or to LUTs.

With MULT_STYLE "lut" an IP writes every product as shifts and adds (resq_pkg's
resq_multiply), so it has no multiply to map. With "dsp", per lane of PAR:

- linear: (x − INPUT_ZERO) · (w − WEIGHT_ZERO); once: the requantizer, ACC_BITS × 16;
- add: (a − A_ZERO) · A_MULTIPLIER and (b − B_ZERO) · B_MULTIPLIER (16-bit constants);
- batchnorm: (x − INPUT_ZERO) · (w − WEIGHT_ZERO) and the requantizer, ACC_BITS × 16;
- gap: the requantizer, ACC_BITS × 16;
- attention: (q − Q_ZERO) · (k − K_ZERO), p · (v − V_ZERO) with p the unsigned probability
  held as a signed of PROB_BITS + 2 bits, and the output requantizer ACC_BITS × 16; once:
  the score requantizer, SCORE_ACC_BITS × 16.

An element less its zero point is as wide as the element when the zero point is 0 (the
subtraction vanishes and the sign extension with it) and one bit wider otherwise. A
requantizer multiplier that is a power of two is a shift. `resq.estimator.dsp` turns these
into DSP48 slices; tests check them against every IP synthesized for the knowledge base.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field
from resq.hdlgen.mapping import Generic, HdlgenError

REQUANTIZER_BITS = 16
"""Width of a requantization multiplier as the IP holds it (resq_pkg MULTIPLIER_BITS_c)."""


class Product(BaseModel):
    """`count` signed multiplies of `a_bits` × `b_bits` bits."""

    model_config = ConfigDict(frozen=True)

    count: int = Field(ge=0)
    a_bits: int = Field(ge=1)
    b_bits: int = Field(ge=1)


def _difference(bits: int, zero: int) -> int:
    return bits if zero == 0 else bits + 1


def _requantizer(count: int, acc_bits: int, multiplier: int) -> list[Product]:
    if multiplier > 0 and multiplier & (multiplier - 1) == 0:
        return []
    return [Product(count=count, a_bits=acc_bits, b_bits=REQUANTIZER_BITS)]


def ip_products(ip: str, generics: Mapping[str, Generic]) -> list[Product]:
    """The multiplies IP `ip` (linear, add, batchnorm, gap, attention) builds with
    `generics` (as resq.hdlgen.mapping gives them): none with MULT_STYLE "lut"."""
    if generics.get("MULT_STYLE", "dsp") == "lut":
        return []
    g = {k: int(v) for k, v in generics.items() if isinstance(v, int) and not isinstance(v, bool)}
    par = g["PAR"]
    if ip == "linear":
        return [Product(count=par, a_bits=_difference(g["INPUT_BITS"], g["INPUT_ZERO"]),
                        b_bits=_difference(g["WEIGHT_BITS"], g["WEIGHT_ZERO"])),
                *_requantizer(1, g["ACC_BITS"], g["MULTIPLIER"])]  # fmt: skip
    if ip == "add":
        return [*_requantizer(par, _difference(g["A_BITS"], g["A_ZERO"]), g["A_MULTIPLIER"]),
                *_requantizer(par, _difference(g["B_BITS"], g["B_ZERO"]), g["B_MULTIPLIER"])]  # fmt: skip
    if ip == "batchnorm":
        return [Product(count=par, a_bits=_difference(g["INPUT_BITS"], g["INPUT_ZERO"]),
                        b_bits=_difference(g["WEIGHT_BITS"], g["WEIGHT_ZERO"])),
                *_requantizer(par, g["ACC_BITS"], g["MULTIPLIER"])]  # fmt: skip
    if ip == "gap":
        return _requantizer(par, g["ACC_BITS"], g["MULTIPLIER"])
    if ip == "attention":
        return [Product(count=par, a_bits=_difference(g["Q_BITS"], g["Q_ZERO"]),
                        b_bits=_difference(g["K_BITS"], g["K_ZERO"])),
                Product(count=par, a_bits=g["PROB_BITS"] + 2,
                        b_bits=_difference(g["V_BITS"], g["V_ZERO"])),
                *_requantizer(par, g["ACC_BITS"], g["MULTIPLIER"]),
                *_requantizer(1, g["SCORE_ACC_BITS"], g["SCORE_MULTIPLIER"])]  # fmt: skip
    raise HdlgenError(f"no multiplies are known for IP {ip!r}")
