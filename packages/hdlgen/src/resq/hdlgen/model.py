"""VHDL of a whole IntModel: a top that runs the IP of cores/ one node after another.

Every tensor lives in a `resq_buffer` (one row per word); every node is the IP instance of
`resq.hdlgen.mapping.ip_instance`, built with the node's hardware in the BitConfig, reading
its inputs' buffers and writing its output's; weights, biases and constant tables are
`resq_rom` instances initialised from a generated package. A sequencer starts node i + 1 when
node i is done and multiplexes each buffer's read port to the node that is running.
`top_vhdl` renders the top and the package from templates; resq.hdlgen.project adds a
testbench, vectors and a FuseSoC core `resq:model:<name>`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from resq.hdlgen.mapping import Generic, HdlgenError, IpInstance, ip_instance, packed, rows_features

__all__ = [
    "CORE_VERSION",
    "HdlgenError",
    "check_config",
    "check_names",
    "design",
    "entity_name",
    "top_context",
    "top_vhdl",
]
from resq.hdlgen.render import render
from resq.spec import BitConfig
from resq.spec.integer.intmodel import IntModel
from resq.spec.names import VHDL_NAME_LENGTH, VHDL_NAME_PATTERN

CORE_VERSION = "0.1.0"


def _check_name(name: str, what: str) -> str:
    if not re.fullmatch(VHDL_NAME_PATTERN, name) or len(name) > VHDL_NAME_LENGTH:
        raise HdlgenError(
            f"{what} {name!r} cannot become a VHDL identifier: expected lower-case words of "
            "letters and digits joined by single underscores, starting with a letter (≤ 48)"
        )
    return name


def entity_name(model_name: str) -> str:
    """The top entity of a model: the spec name with `-` as `_`, then `_model`."""
    return _check_name(model_name.replace("-", "_"), "model name") + "_model"


def check_config(model: IntModel, config: BitConfig) -> None:
    """Raise unless `config` can build `model`: its nodes exist and its bits and schemes are
    those the model was trained with (bits live in the trained integers)."""
    known = {node.name for node in model.nodes}
    unknown = [name for name in config.nodes if name not in known]
    if unknown:
        raise HdlgenError(
            f"BitConfig nodes {', '.join(unknown)} are not nodes of the model; "
            f"nodes: {', '.join(node.name for node in model.nodes)}"
        )
    if config.bits_only() != model.bits.bits_only():
        differ = [
            name
            for name, bits in config.bits_only().items()
            if bits != model.bits.bits_only().get(name)
        ]
        raise HdlgenError(
            f"the BitConfig's bits differ from those the IntModel was trained with in "
            f"{', '.join(differ)}; train with this configuration first "
            "(spec run --config FILE trains and builds it)"
        )


def check_names(model: IntModel) -> None:
    """Raise unless every tensor and node name of `model` can become a VHDL identifier
    (they reach the generated VHDL)."""
    for name in [*model.tensors, *(n.name for n in model.nodes)]:
        _check_name(name, "tensor or node name")


def design(model: IntModel, arrays: dict[str, np.ndarray], config: BitConfig) -> list[IpInstance]:
    """The IP instance of every node, in execution order, as `config` builds it."""
    check_config(model, config)
    check_names(model)
    return [
        ip_instance(node, model.tensors, arrays, model.softmax,
                    config.choice(node.name, node.component))
        for node in model.nodes
    ]  # fmt: skip


def _value(value: Generic, constant: str | None) -> str:
    """A generic's value as VHDL: a package constant, true/false, a quoted string or a number."""
    if constant is not None:
        return constant
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def top_context(name: str, model: IntModel, arrays: dict[str, np.ndarray], config: BitConfig,
                instances: list[IpInstance]) -> dict[str, Any]:  # fmt: skip
    """The plain context of the top and package templates; `instances` is `design(model,
    arrays, config)`."""
    entity = entity_name(name)

    def word(tensor: str) -> int:
        info = model.tensors[tensor]
        return rows_features(info.shape)[1] * info.qparams.bit_width

    def rows(tensor: str) -> int:
        return rows_features(model.tensors[tensor].shape)[0]

    constants: list[dict[str, str]] = []
    readers: dict[str, list[dict[str, Any]]] = {}
    rendered = []
    for stage, inst in enumerate(instances):
        reads = []
        for rom in inst.roms:
            constant = f"{inst.node}_{rom.port}_INIT_c".upper()
            constants.append({"name": constant, "bits": rom.bits})
            reads.append({"port": rom.port, "prefix": f"{inst.node}_{rom.port}",
                          "depth": rom.depth, "width": rom.width, "rom": constant})  # fmt: skip
        for read in inst.reads:
            prefix = f"{inst.node}_{read.port}"
            info = model.tensors[read.tensor]
            table = f"{prefix}_INIT_c".upper() if info.constant else None
            entry = {"port": read.port, "prefix": prefix, "depth": rows(read.tensor),
                     "width": word(read.tensor), "rom": table, "tensor": read.tensor}  # fmt: skip
            if table is not None:
                constants.append({"name": table,
                                  "bits": packed(arrays[read.tensor], info.qparams.bit_width)})  # fmt: skip
            else:
                readers.setdefault(read.tensor, []).append(
                    {"stage": stage, "addr": f"{prefix}_addr"}
                )
            reads.append(entry)
        vector_constants = {}
        for generic, bits in inst.vectors.items():
            vector_constants[generic] = f"{inst.node}_{generic}_c".upper()
            constants.append({"name": vector_constants[generic], "bits": bits})
        rendered.append({
            "label": f"{inst.node}_i", "node": inst.node, "entity": inst.entity, "stage": stage,
            "par": inst.choice.parallelism, "multiplier": inst.choice.multiplier,
            "reads": reads, "output": inst.output, "addressed_output": inst.addressed_output,
            "generics": [(g, _value(v, vector_constants.get(g)))
                         for g, v in inst.all_generics().items()],
        })  # fmt: skip
    stages = len(model.nodes)
    readers.setdefault(model.output, []).append({"stage": stages, "addr": "0"})
    storage = {inst.output: inst.choice.storage for inst in instances}
    storage[model.input] = instances[0].choice.storage  # read by the first node only
    buffers = [
        {"tensor": tensor, "rows": rows(tensor), "word": word(tensor),
         "ram_style": storage[tensor], "readers": readers.get(tensor, [])}
        for tensor, info in model.tensors.items()
        if not info.constant
    ]  # fmt: skip
    return {
        "entity": entity, "name": name, "stages": stages, "x": model.input, "y": model.output,
        "x_rows": rows(model.input), "x_word": word(model.input), "y_word": word(model.output),
        "constants": constants, "buffers": buffers, "instances": rendered,
    }  # fmt: skip


def top_vhdl(name: str, model: IntModel, arrays: dict[str, np.ndarray], config: BitConfig,
             instances: list[IpInstance], header: str) -> tuple[str, str]:  # fmt: skip
    """(package, top) VHDL of the model built as `instances` (`design(model, arrays,
    config)`): `<entity>_pkg` with every ROM image and constant vector, and the top entity
    (ports: start/done, the input buffer's write port, the output word and the index of the
    running stage). `header` is the generated-file line."""
    context = {**top_context(name, model, arrays, config, instances), "header": header}
    return render("package.vhd.j2", context), render("top.vhd.j2", context)
