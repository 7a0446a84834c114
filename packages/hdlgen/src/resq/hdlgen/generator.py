"""The FuseSoC generator of `resq:gen:model`: a model core from an IntModel file.

Another HDL project depends on `resq:gen:model` and instantiates the generator:

    generate:
      airu:
        generator: resq_model
        parameters: {intmodel: models/airu, name: airu, config: models/airu-config.yaml}

`config` names a BitConfig file (JSON or YAML: per component and per node, bits, PAR,
multiplier, storage); without it the generator builds the BitConfig the IntModel was trained
with, where `parallelism`, `multiplier` and `storage` (if given) replace every component's.

FuseSoC runs `resq_gen_model.py <input.yml>` in an empty folder; `run_generator` reads the
GAPI 1.0 input (files_root, parameters, vlnv) and writes there the VHDL of the model, a
self-checking testbench, `test_windows` random integer input windows with their outputs
from the integer reference, and a core named by the VLNV FuseSoC gave. With `testbench`
(default) the core's default target holds the testbench and vectors too, so the user's
`sim` target can set `toplevel: resq.<name>_model_tb`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from resq.hdlgen.project import GeneratedModel, Target, generate
from resq.spec import BitConfig, ResqError, load_bitconfig
from resq.spec.board import PartName
from resq.spec.integer.intmodel import IntModel, load_intmodel
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


class GeneratorParameters(BaseModel):
    """The `parameters:` of a `generate:` entry that uses `resq_model`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intmodel: str = Field(description="folder with intmodel.json and intmodel.npz, relative "
                          "to the calling core")  # fmt: skip
    name: str = Field(description="model name; the top entity is <name>_model")
    config: str | None = Field(None, description="BitConfig file, relative to the calling core")
    parallelism: int | None = Field(None, ge=1, le=64, description="MACs per cycle, every node")
    multiplier: Literal["dsp", "lut"] | None = None
    storage: Literal["block", "distributed", "auto"] | None = None
    part: PartName = Field("xc7s15ftgb196-2", description="Xilinx part of the synth target")
    clock_mhz: float = Field(100.0, gt=0, le=1000, description="clock of the XDC, MHz")
    test_windows: int = Field(8, ge=1, le=10_000, description="random input windows to check")
    seed: int = Field(0, ge=0, description="seed of the random test windows")
    testbench: bool = Field(True, description="testbench and vectors in the default target")


class GeneratorInput(BaseModel):
    """The YAML file FuseSoC passes to a generator (GAPI 1.0)."""

    model_config = ConfigDict(frozen=True)

    gapi: Literal["1.0"]
    files_root: Path
    vlnv: str
    parameters: GeneratorParameters


def random_windows(shape: tuple[int, ...], low: int, high: int, seed: int) -> np.ndarray:
    """Integer input windows uniform in [low, high] (both included), of `shape`."""
    return np.random.default_rng(seed).integers(low, high, size=shape, endpoint=True)


def run_generator(input_file: Path, out: Path) -> GeneratedModel:
    """Read the GAPI input `input_file` and write the model core into `out`."""
    try:
        raw = YAML(typ="safe").load(input_file.read_text(encoding="utf-8"))
        config = GeneratorInput.model_validate(raw)
    except (OSError, YAMLError) as e:
        raise ResqError(f"cannot read the generator input {input_file}: {e}") from e
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, item['loc']))}: {item['msg']} (got {item.get('input')!r})"
            for item in e.errors()
        )
        vlnv = raw.get("vlnv", "?") if isinstance(raw, dict) else "?"
        raise ResqError(f"parameters of resq_model for {vlnv}: {problems}") from e
    p = config.parameters
    model, arrays = load_intmodel(config.files_root / p.intmodel)
    qp = model.tensors[model.input].qparams
    shape = (p.test_windows, *model.tensors[model.input].shape)
    q_in = random_windows(shape, qp.quant_min, qp.quant_max, p.seed)
    default = ("rtl", "tb", "vectors") if p.testbench else ("rtl",)
    target = Target(board="generator", part=p.part, clock_mhz=p.clock_mhz)
    return generate(p.name, model, arrays, bit_config(p, model, config.files_root), q_in, out,
                    target, config.vlnv, default)  # fmt: skip


def bit_config(p: GeneratorParameters, model: IntModel, files_root: Path) -> BitConfig:
    """The BitConfig the generator builds: the `config` file, else the IntModel's own with
    `parallelism`, `multiplier` and `storage` (those given) for every component."""
    given = [f for f in ("parallelism", "multiplier", "storage") if getattr(p, f) is not None]
    if p.config is not None:
        if given:
            raise ResqError(
                f"resq_model: give either config or {', '.join(given)}, not both "
                "(the BitConfig file states every node's hardware)"
            )
        return load_bitconfig(files_root / p.config)
    return model.bits.with_hardware(p.parallelism, p.multiplier, p.storage)


def main(argv: list[str] | None = None) -> int:
    """`resq_gen_model.py INPUT_YML`: generate into the current folder; 1 and a message on
    bad input."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: resq_gen_model.py GAPI_INPUT_YML", file=sys.stderr)
        return 2
    try:
        generated = run_generator(Path(args[0]), Path.cwd())
    except ResqError as e:
        print(f"resq_model: {e}", file=sys.stderr)
        return 1
    print(f"resq_model: wrote {generated.vlnv} ({generated.samples} test windows)")
    return 0
