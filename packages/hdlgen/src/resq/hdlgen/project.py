"""A generated model project: the VHDL of resq.hdlgen.model, a self-checking testbench, test
vectors from the integer reference and a FuseSoC core `resq:model:<name>` depending on the IP
of cores/. The testbench writes each window's rows, runs the model, compares the output row
with the integer reference, and reports cycles per inference and per node.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from resq.hdlgen.engine.top import engine_vhdl, op_label
from resq.hdlgen.mapping import rows_features
from resq.hdlgen.model import (
    CORE_VERSION,
    check_config,
    check_names,
    design,
    entity_name,
    top_vhdl,
)
from resq.hdlgen.render import generated_header, inputs_digest, render
from resq.spec import BitConfig, NodeChoice
from resq.spec.atomic import write_text_atomic
from resq.spec.board import PartName
from resq.spec.hardware import Architecture
from resq.spec.integer.intmodel import AddNode, AttentionNode, IntModel, LinearNode
from resq.spec.integer.intref import run
from resq.spec.spec import LoadedSpec


def vectors_text(model: IntModel, arrays: dict[str, np.ndarray], q_in: np.ndarray) -> str:
    """The testbench's vector file: the number of windows, then per window its rows (integers
    of the input tensor) and the expected output row from resq.spec.integer.intref."""
    expected = run(model, arrays, q_in)[model.output]
    lines = [str(len(q_in))]
    for window, out in zip(q_in, expected, strict=True):
        lines += [" ".join(str(int(v)) for v in row) for row in window]
        lines.append(" ".join(str(int(v)) for v in np.ravel(out)))
    return "\n".join(lines) + "\n"


def cycle_bound(model: IntModel) -> int:
    """An upper bound on the cycles of one window at PAR 1 (the testbench's watchdog): twice
    the multiply-accumulates of every node plus 64 cycles of control per row and node."""
    total = 0
    for node in model.nodes:
        rows, features = rows_features(model.tensors[node.output].shape)
        if isinstance(node, LinearNode):
            work = rows * node.out_features * node.in_features
        elif isinstance(node, AttentionNode):
            d_head = features // node.n_heads
            work = rows * node.n_heads * (2 * rows * d_head + 2 * rows + node.prob_bits)
        else:
            in_rows = rows_features(model.tensors[node.inputs[0] if isinstance(node, AddNode)
                                                  else node.input].shape)[0]  # fmt: skip
            work = in_rows * features
        total += 2 * work + 64 * rows
    return total + 1000


class Target(BaseModel):
    """The part and clock a generated model is constrained for."""

    model_config = ConfigDict(frozen=True)

    board: str = Field(description="board name (boards/<board>.yaml)")
    part: PartName
    clock_mhz: float = Field(gt=0, le=1000)
    jobs: int = Field(2, ge=1, le=64, description="parallel Vivado jobs of the synth target")

    @classmethod
    def of(cls, loaded: LoadedSpec) -> Target:
        """The target a spec builds for: its board's part (or `deploy.vivado.part`), its
        clock, and `deploy.vivado.jobs`."""
        vivado = loaded.spec.deploy.vivado
        return cls(board=loaded.board.name, part=vivado.part or loaded.board.part,
                   clock_mhz=loaded.clock_mhz, jobs=vivado.jobs)  # fmt: skip


def _shared_context(name: str, model: IntModel, header: str) -> dict[str, Any]:
    """What the testbench, XDC and .core templates share: names, shapes, nodes, watchdog."""
    x, y = model.tensors[model.input], model.tensors[model.output]
    rows, features = rows_features(x.shape)
    return {
        "header": header, "entity": entity_name(name), "name": name, "rows": rows,
        "features": features, "x_bits": x.qparams.bit_width,
        "outputs": int(np.prod(y.shape)), "y_bits": y.qparams.bit_width,
        "stages": len(model.nodes), "nodes": [node.name for node in model.nodes],
        "max_cycles": cycle_bound(model),
    }  # fmt: skip


FORMAT_VERSION: Literal[1] = 1


class GeneratedModel(BaseModel):
    """Where `generate` put a model's files, what its core is called and how each node is
    built (after clamping PAR to what the IP accepts)."""

    model_config = ConfigDict(frozen=True)

    format_version: Literal[1] = FORMAT_VERSION
    folder: Path
    vlnv: str
    entity: str
    samples: int
    files: list[str]
    inputs_digest: str = Field(description="hash of the IntModel, arrays, BitConfig and target")
    nodes: dict[str, NodeChoice] = Field(description="node → the hardware it is built with")
    architecture: Architecture = Field("dataflow", description="dataflow or engine")
    engine_ops: list[str] = Field(default_factory=list,
                                  description="engine: its program's ops, in order")  # fmt: skip


def generate(
    name: str,
    model: IntModel,
    arrays: dict[str, np.ndarray],
    config: BitConfig,
    q_in: np.ndarray,
    folder: Path,
    target: Target,
    vlnv: str | None = None,
    default: Sequence[str] = ("rtl",),
) -> GeneratedModel:
    """Write the model's package, top, testbench, vectors (windows `q_in`, integer inputs
    (samples, window, features)), XDC (the target's clock) and `.core` into `folder`, each
    file atomically, building every node as `config` says (or, under architecture engine,
    the whole model on the shared engine). The core is `vlnv` (default
    resq:model:<name>:<version>); its default target has the filesets `default` (of rtl, tb,
    vectors)."""
    vlnv = vlnv or f"resq:model:{name}:{CORE_VERSION}"
    entity = entity_name(name)
    digest = inputs_digest(
        model.model_dump_json().encode(), *(arrays[k].tobytes() for k in sorted(arrays)),
        config.model_dump_json().encode(), target.model_dump_json().encode(),
        name.encode(), vlnv.encode(),
    )  # fmt: skip
    header = generated_header("--", digest)
    engine_ops: list[str] = []
    if config.engine is not None:
        check_config(model, config)
        check_names(model)
        package, top, lowered = engine_vhdl(name, entity, model, arrays, config.engine, header)
        engine_ops = [op_label(op, model) for op in lowered.ops]
        depends = ["resq:ip:buffer", "resq:ip:engine", "resq:ip:engine_lanes", "resq:ip:pkg"]
        choice = NodeChoice(storage=config.engine.storage, parallelism=config.engine.lanes,
                            multiplier=config.engine.multiplier)  # fmt: skip
        nodes = {node.name: choice for node in model.nodes}
    else:
        instances = design(model, arrays, config)
        package, top = top_vhdl(name, model, arrays, config, instances, header)
        depends = sorted({"resq:ip:pkg", "resq:ip:buffer", "resq:ip:rom"}
                         | {i.vlnv.rsplit(":", 1)[0] for i in instances})  # fmt: skip
        nodes = {i.node: i.choice for i in instances}
    context = _shared_context(name, model, header)
    contents = {
        f"{entity}_pkg.vhd": package,
        f"{entity}.vhd": top,
        f"{entity}_tb.vhd": render("testbench.vhd.j2", context),
        f"{entity}_tb.cpp": render("testbench.cpp.j2", {
            **context, "header": generated_header("//", digest)}),
        "vectors.txt": vectors_text(model, arrays, q_in),
        f"{entity}.xdc": render("model.xdc.j2", {
            **context, "header": generated_header("#", digest), "board": target.board,
            "part": target.part, "clock_mhz": f"{target.clock_mhz:g}",
            "period_ns": f"{1000 / target.clock_mhz:.3f}",
        }),
    }  # fmt: skip
    contents[f"{entity}.core"] = render("model.core.j2", {
        **context, "header": generated_header("#", digest), "vlnv": vlnv, "depends": depends,
        "rtl": [f"{entity}_pkg.vhd", f"{entity}.vhd"], "default": list(default),
        "part": target.part, "jobs": target.jobs,
    })  # fmt: skip
    for file, text in contents.items():
        write_text_atomic(folder / file, text)
    return GeneratedModel(
        folder=folder, vlnv=vlnv, entity=entity, samples=len(q_in), files=sorted(contents),
        inputs_digest=digest, nodes=nodes, architecture=config.architecture,
        engine_ops=engine_ops,
    )  # fmt: skip
