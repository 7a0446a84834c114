"""Test vectors for the IP of cores/, computed by the integer reference (`resq.qat.intref`).

A case is a complete set of generics for one IP plus the lines of its vector file (the
format each testbench documents in its header). Shapes and bit widths are chosen by the
caller; zero points, weights, biases and the requantization multiplier are drawn from a
seeded generator, with the multiplier chosen so that outputs spread over the output range
and some saturate. Run `resq-ipvectors IP --set NAME=VALUE ... --out FILE` to write one.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict
from resq.qat.intmodel import LinearNode
from resq.qat.intops import accumulator_bits, bias_bound
from resq.qat.intref import linear_int
from resq.qat.quant.qparams import ConcreteScheme, QParams, quant_range, quantize_multiplier
from resq.spec.atomic import write_text_atomic

Generic = int | str | bool
"""The value of one VHDL generic: integer, string or boolean."""


class IpCase(BaseModel):
    """Generics of one IP instance and the vector file its testbench checks it against."""

    model_config = ConfigDict(frozen=True)

    ip: str
    generics: dict[str, Generic]
    samples: int
    lines: list[str]

    def text(self) -> str:
        """The vector file's content."""
        return "\n".join(self.lines) + "\n"

    def fusesoc_args(self) -> list[str]:
        """The generics as FuseSoC parameter options (`--NAME=value`)."""
        return [f"--{name}={_image(value)}" for name, value in self.generics.items()]


def _image(value: Generic) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tensor(rng: np.random.Generator, bits: int) -> QParams:
    """QParams of a random scheme; asymmetric ones get a zero point away from the middle."""
    scheme: ConcreteScheme = "symmetric" if rng.random() < 0.5 else "asymmetric"
    low, high = quant_range(bits, scheme)
    zero = 0 if scheme == "symmetric" else int(rng.integers(low // 2, high // 2 + 1))
    return QParams(scale=1.0, zero_point=zero, bit_width=bits, scheme=scheme)


def _uniform(rng: np.random.Generator, qp: QParams, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(qp.quant_min, qp.quant_max + 1, size=shape, dtype=np.int64)


def _spread_multiplier(acc: np.ndarray, output_bits: int) -> tuple[int, int]:
    """m, n so that 2.5 standard deviations of `acc` reach the end of the output range."""
    spread = max(float(np.std(acc)), 1.0)
    return quantize_multiplier((1 << (output_bits - 1)) / (2.5 * spread))


def _row(values: np.ndarray) -> str:
    return " ".join(str(int(v)) for v in values)


def _binary(value: int, bits: int) -> str:
    return format(value & ((1 << bits) - 1), f"0{bits}b")


def linear_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_linear case. `shape` sets ROWS, IN_FEATURES, OUT_FEATURES, INPUT_BITS,
    WEIGHT_BITS, OUTPUT_BITS (2..16), PAR, MULT_STYLE and RELU; the rest is drawn."""
    rng = np.random.default_rng(seed)
    rows, n_in, n_out = (int(shape[k]) for k in ("ROWS", "IN_FEATURES", "OUT_FEATURES"))
    x_qp, w_qp, y_qp = (
        _tensor(rng, int(shape[k])) for k in ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS")
    )
    acc_bits = accumulator_bits(x_qp.bit_width, w_qp.bit_width, n_in)
    bound = bias_bound(x_qp.bit_width, w_qp.bit_width, n_in)
    weight = _uniform(rng, w_qp, (n_out, n_in))
    bias = rng.integers(-bound // 8, bound // 8 + 1, size=n_out, dtype=np.int64)
    bias[0] = bound
    x = _uniform(rng, x_qp, (samples, rows, n_in))
    probe = (x - x_qp.zero_point) @ (weight - w_qp.zero_point).T
    multiplier, shift = _spread_multiplier(probe, y_qp.bit_width)
    relu = bool(shape["RELU"])
    node = LinearNode(
        name="linear", component="Linput", output="y", accumulator_bits=acc_bits,
        input="x", in_features=n_in, out_features=n_out, weight=w_qp,
        multiplier=multiplier, shift=shift, relu=relu,
    )  # fmt: skip
    y = linear_int(x, x_qp, weight, w_qp, bias, node, y_qp)
    generics: dict[str, Generic] = {
        "ROWS": rows, "IN_FEATURES": n_in, "OUT_FEATURES": n_out,
        "INPUT_BITS": x_qp.bit_width, "WEIGHT_BITS": w_qp.bit_width,
        "OUTPUT_BITS": y_qp.bit_width, "ACC_BITS": acc_bits,
        "INPUT_ZERO": x_qp.zero_point, "WEIGHT_ZERO": w_qp.zero_point,
        "OUTPUT_ZERO": y_qp.zero_point, "OUTPUT_MIN": y_qp.quant_min,
        "OUTPUT_MAX": y_qp.quant_max, "MULTIPLIER": multiplier, "SHIFT": shift,
        "RELU": relu, "PAR": int(shape["PAR"]), "MULT_STYLE": str(shape["MULT_STYLE"]),
    }  # fmt: skip
    lines = [str(samples)]
    lines += [_row(w) for w in weight]
    lines += [_binary(int(b), acc_bits) for b in bias]
    for sample in range(samples):
        lines += [_row(r) for r in x[sample]]
        lines += [_row(r) for r in y[sample]]
    return IpCase(ip="linear", generics=generics, samples=samples, lines=lines)


CASES: dict[str, Callable[[Mapping[str, Generic], int, int], IpCase]] = {
    "linear": linear_case,
}
"""Case builders by IP name."""

DEFAULT_SHAPES: dict[str, dict[str, Generic]] = {
    "linear": dict(
        ROWS=4,
        IN_FEATURES=7,
        OUT_FEATURES=5,
        INPUT_BITS=8,
        WEIGHT_BITS=8,
        OUTPUT_BITS=8,
        PAR=3,
        MULT_STYLE="dsp",
        RELU=False,
    ),
}
"""The shapes of the vectors shipped with each core (its `sim` target's defaults)."""


def _parse_value(text: str) -> Generic:
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> None:
    """CLI: write the vector file of one IP case and print its FuseSoC parameter options."""
    parser = argparse.ArgumentParser(description="Write test vectors for an IP of cores/.")
    parser.add_argument("ip", choices=sorted(CASES))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a shape generic of the default case")  # fmt: skip
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    shape = dict(DEFAULT_SHAPES[args.ip])
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or name not in shape:
            parser.error(f"--set {item!r}: expected NAME=VALUE with NAME one of {sorted(shape)}")
        shape[name] = _parse_value(value)
    case = CASES[args.ip](shape, args.samples, args.seed)
    write_text_atomic(args.out, case.text())
    print(" ".join(case.fusesoc_args()))
