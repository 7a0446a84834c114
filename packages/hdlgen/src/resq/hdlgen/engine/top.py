"""VHDL of a whole IntModel on the shared engine: a package with the program ROM and the ROM
images (`engine_package.vhd.j2`) and a top of the same ports as the dataflow top
(`engine_top.vhd.j2`) around `resq_engine` (cores/engine)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from resq.hdlgen.engine.lower import A_ONE, EngineOp, Lowered, lower
from resq.hdlgen.engine.program import compile_program
from resq.hdlgen.mapping import rows_features
from resq.hdlgen.render import render
from resq.spec import EngineChoice
from resq.spec.integer.intmodel import IntModel

LaneStyle = Literal["dsp", "lut", "packed"]


def lane_style(lowered: Lowered, multiplier: str) -> LaneStyle:
    """The lanes' multiplier style: `lut`, or with DSPs `packed` when two lanes fit one
    DSP48E1 (A ≤ 18 bits, ACC + B + 1 ≤ 25 bits, 2 · ACC ≤ 48), else `dsp`."""
    if multiplier == "lut":
        return "lut"
    g = lowered.generics
    a, b, acc = int(g["A_WIDTH"]), int(g["B_WIDTH"]), int(g["ACC_BITS"])
    return "packed" if a <= 18 and acc + b + 1 <= 25 and 2 * acc <= 48 else "dsp"


ROM_BLOCK_BITS = 4096
"""A weight ROM of more bits than this goes to block RAM."""


def rom_style(lowered: Lowered) -> str:
    """The weight ROM's storage: block RAM for more than ROM_BLOCK_BITS bits, else LUT-ROM
    (`hardware.storage` is the tensor memory's)."""
    return "block" if len(lowered.weights) > ROM_BLOCK_BITS else "distributed"


def _vhdl_type(value: int | bool | str) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "string" if isinstance(value, str) else "integer"


def _vhdl(value: int | bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def op_label(op: EngineOp, model: IntModel) -> str:
    """`<node> <kind> MxNxK` of a program entry (kind: mac, scores or mean)."""
    node = model.nodes[op.node].name
    kind = "scores" if op.scores else ("mean" if op.a_src == A_ONE else "mac")
    return f"{node} {kind} {op.m}x{op.n}x{op.k}"


def engine_vhdl(name: str, entity: str, model: IntModel, arrays: dict[str, np.ndarray],
                hardware: EngineChoice, header: str) -> tuple[str, str, Lowered]:  # fmt: skip
    """(package, top, lowered program) of `model` on the engine built as `hardware`;
    `entity` is the top entity, `header` the generated-file line."""
    lowered = lower(compile_program(model, hardware.lanes), model, arrays)
    style = lane_style(lowered, hardware.multiplier)
    constants = [
        {"name": "WEIGHTS_c", "bits": lowered.weights},
        {"name": "CHANNELS_c", "bits": lowered.channels},
        {"name": "TABLES_c", "bits": lowered.tables},
        {"name": "EXP2_TABLE_c", "bits": lowered.exp2},
    ]
    ops = [{"label": op_label(op, model),
            "fields": [(field, _vhdl(value)) for field, value in op.model_dump().items()]}
           for op in lowered.ops]  # fmt: skip
    values = {**lowered.generics, "MEM_STYLE": hardware.storage, "LANE_STYLE": style,
              "MULT_STYLE": hardware.multiplier, "ROM_STYLE": rom_style(lowered)}  # fmt: skip
    scalars = [{"name": key, "type": _vhdl_type(value), "value": _vhdl(value)}
               for key, value in values.items()]  # fmt: skip
    generics = [(key, f"{key}_c") for key in values]
    generics += [("EXP2_TABLE", "EXP2_TABLE_c"), ("WEIGHTS", "WEIGHTS_c"),
                 ("CHANNELS", "CHANNELS_c"), ("TABLES", "TABLES_c")]  # fmt: skip
    x, y = model.tensors[model.input], model.tensors[model.output]
    rows, features = rows_features(x.shape)
    context = {
        "header": header, "entity": entity, "name": name, "ops": ops, "constants": constants,
        "scalars": scalars,
        "generics": generics, "lanes": hardware.lanes, "lane_style": style,
        "stages": len(model.nodes), "x_rows": rows, "x_word": features * x.qparams.bit_width,
        "y_word": int(np.prod(y.shape)) * y.qparams.bit_width,
    }  # fmt: skip
    package = render("engine_package.vhd.j2", context)
    top = render("engine_top.vhd.j2", {**context, "ops": len(ops)})
    return package, top, lowered
