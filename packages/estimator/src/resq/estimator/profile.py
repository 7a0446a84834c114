"""Profiling: which blocks a model's hardware consists of, and one synthesis of one block.

A node of the generated top costs its IP instance, the ROMs that feed it (weights and biases
of a linear node, the positional table of AddPE) and the buffer of the tensor it writes; the
first node also the buffer of the model input. `model_blocks` lists them per node for a
Transformer shape; `ip_points`, `buffer_point` and `input_buffer_point` give the
`ProfilePoint`s of a node block built one way, with generics from the IP test cases
of resq.hdlgen.ipvectors, which build each instance through the one node → IP mapping
(resq.hdlgen.mapping); `Grid` says which bit widths, sequence lengths, PAR, multiplier and
storage styles to measure and `grid_points` lists the distinct points of a model over it;
`profile_point` synthesizes one point through its core's `estimate` target (FuseSoC →
GHDL → Yosys, resq.deploy.edam_estimate) and returns a `KdbEntry`.

Drawn values (zero points, multipliers, weights, ROM words) come from a fixed seed: ROM words
are uniform over the word, the most a ROM can cost for its size.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from resq.deploy.route import synthesis_route
from resq.estimator.kdb import DEFAULT_ROUTE, Generic, KdbEntry, ProfilePoint, Route
from resq.estimator.space import offered_parallelism
from resq.hdlgen.cores import ip_digest
from resq.hdlgen.ipvectors import CASES
from resq.hdlgen.mapping import IP_VERSION
from resq.spec import BitConfig
from resq.spec.components import ComponentName, Multiplier, Storage
from resq.spec.graph import node_components
from resq.spec.model import TransformerModel

PROFILE_TIMEOUT_S = 1800
"""Longest one synthesis may take before it counts as failed, in seconds."""

IP_BITS: dict[str, tuple[str, ...]] = {
    "linear": ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS"),
    "add": ("A_BITS", "B_BITS", "OUTPUT_BITS"),
    "batchnorm": ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS"),
    "gap": ("INPUT_BITS", "OUTPUT_BITS"),
    "attention": ("QKV_BITS", "PROB_BITS"),
}
"""The bit widths each IP is profiled over. Attention's Q, K, V and output are all MHA's
output width (`QKV_BITS`); PROB_BITS is the spec's softmax width."""


class NodeBlock(BaseModel):
    """One node of the generated top: its IP, the sizes that do not depend on bits, and where
    each of its bit widths comes from in a BitConfig."""

    model_config = ConfigDict(frozen=True)

    node: str
    component: ComponentName
    ip: str
    shape: dict[str, Generic] = Field(description="ROWS (−1: the window), features, RELU, …")
    rows: int = Field(description="rows of the output tensor; −1: the window")
    features: int = Field(description="features of the output tensor")
    widths: dict[str, str] = Field(
        description="IP_BITS name → `<Component>.<inputs|weights|outputs>` or `softmax`"
    )
    output: str = Field(description="where the output tensor's width comes from")
    rom_table: bool = Field(False, description="reads a constant table (AddPE's b input)")
    input_features: int = Field(
        0,
        description="features of the model input when this node reads it (its buffer "
        "is built with the node's storage), else 0",
    )

    def bits(self, config: BitConfig) -> dict[str, int]:
        """The IP's bit widths (IP_BITS names) in `config`."""
        return {name: _width(where, config) for name, where in self.widths.items()}

    def output_bits(self, config: BitConfig) -> int:
        """The width of the node's output tensor in `config`."""
        return _width(self.output, config)


def _width(where: str, config: BitConfig) -> int:
    if where == "softmax":
        return config.softmax_bits
    component, field = where.split(".")
    width: int = getattr(config.components[cast(ComponentName, component)], field)
    return width


WINDOW = -1
"""`rows` of a tensor that has one row per time step."""

Part = tuple[str, dict[str, Generic], dict[str, str]]
"""An IP name, its size generics and where each of its bit widths comes from."""


def model_blocks(model: TransformerModel) -> list[NodeBlock]:
    """The node blocks of `model` in execution order (names of resq.spec.graph). A tensor's
    width is its producer's `outputs`: e.g. the residual input of AddMHA is the layer input
    (MHA's `inputs` in the first layer, BNFFN's `outputs` in later ones) and FFN's second
    linear reads FFN's `outputs`."""
    d, f = model.d_model, model.ffn_dim

    def linear(component: str, n_in: int, n_out: int, reads: str, relu: bool = False,
               rows: int = WINDOW) -> Part:  # fmt: skip
        widths = {"INPUT_BITS": reads, "WEIGHT_BITS": f"{component}.weights",
                  "OUTPUT_BITS": f"{component}.outputs"}  # fmt: skip
        return "linear", {"ROWS": rows, "IN_FEATURES": n_in, "OUT_FEATURES": n_out,
                          "RELU": relu}, widths  # fmt: skip

    def add(component: str, a: str, b: str) -> Part:
        widths = {"A_BITS": a, "B_BITS": b, "OUTPUT_BITS": f"{component}.outputs"}
        return "add", {"ROWS": WINDOW, "FEATURES": d}, widths

    def norm(component: str) -> Part:
        widths = {name: f"{component}.{field}" for name, field in
                  (("INPUT_BITS", "inputs"), ("WEIGHT_BITS", "weights"),
                   ("OUTPUT_BITS", "outputs"))}  # fmt: skip
        return "batchnorm", {"ROWS": WINDOW, "FEATURES": d}, widths

    def layer(first: bool) -> dict[str, Part]:
        x = "MHA.inputs" if first else "BNFFN.outputs"
        return {
            "mha_query": linear("MHA", d, d, x), "mha_key": linear("MHA", d, d, x),
            "mha_value": linear("MHA", d, d, x),
            "mha_attention": ("attention", {"ROWS": WINDOW, "FEATURES": d,
                                            "HEADS": model.n_heads},
                              {"QKV_BITS": "MHA.outputs", "PROB_BITS": "softmax"}),
            "mha_output": linear("MHA", d, d, "MHA.outputs"),
            "add_mha": add("AddMHA", x, "MHA.outputs"), "bn_mha": norm("BNMHA"),
            "ffn1": linear("FFN", d, f, "FFN.inputs", relu=True),
            "ffn2": linear("FFN", f, d, "FFN.outputs"),
            "add_ffn": add("AddFFN", "FFN.inputs", "FFN.outputs"), "bn_ffn": norm("BNFFN"),
        }  # fmt: skip

    ends: dict[str, Part] = {
        "linput": linear("Linput", model.n_features, d, "Linput.inputs"),
        "add_pe": add("AddPE", "AddPE.inputs", "AddPE.weights"),
        "gap": ("gap", {"ROWS": WINDOW, "FEATURES": d},
                {"INPUT_BITS": "GAP.inputs", "OUTPUT_BITS": "GAP.outputs"}),
        "loutput": linear("Loutput", d, model.n_outputs, "Loutput.inputs", rows=1),
    }  # fmt: skip
    blocks = []
    for node, component in node_components(model.n_layers).items():
        layered = node[0] == "l" and node[1].isdigit()
        if layered:
            index, suffix = node[1:].split("_", 1)
            ip, shape, widths = layer(index == "0")[suffix]
        else:
            ip, shape, widths = ends[node]
        out_features = int(shape.get("OUT_FEATURES", shape.get("FEATURES", d)))
        output = widths.get("OUTPUT_BITS", widths.get("QKV_BITS", ""))
        blocks.append(NodeBlock(
            node=node, component=component, ip=ip, shape=shape, widths=widths, output=output,
            rows=1 if node in ("gap", "loutput") else WINDOW, features=out_features,
            rom_table=node == "add_pe",
            input_features=model.n_features if node == "linput" else 0))  # fmt: skip
    return blocks


class Grid(BaseModel):
    """What to profile per node block. Bit widths: every uniform assignment (all of an IP's
    widths equal) and, at the longest window, each width alone at the narrowest while the
    rest stay at the widest; shorter windows get the uniform assignments only. Windows 12
    and 24: the fitted model (linear in the rows) answers those between, such as 18, and
    mixed widths, with its leave-one-out error. `full` profiles every assignment at every
    window instead. PAR: the values offered to each IP (resq.estimator.space). The default
    grid of the airu shape is 771 points (786 were measured, 2.9 CPU-hours of Yosys (flow 2),
    1 h 24 min on 2 cores beside other work, a third of it for attention; since then a
    single-output linear keeps two weight words, so 15 of them, at PAR 16, are not built)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bits: tuple[int, ...] = (4, 6, 8)
    windows: tuple[int, ...] = (12, 24)
    parallelism: tuple[int, ...] = (1, 2, 4, 8, 16)
    multipliers: tuple[Multiplier, ...] = ("dsp", "lut")
    storages: tuple[Storage, ...] = ("block", "distributed", "auto")
    full: bool = False

    def coarse_first(self) -> list[int]:
        """The widths, widest and narrowest first, then those between."""
        top, bottom = max(self.bits), min(self.bits)
        return sorted(self.bits, key=lambda b: (b != top, b != bottom, b))

    def assignments(self, names: tuple[str, ...], window: int) -> list[dict[str, int]]:
        """The bit assignments of an IP with bit generics `names` profiled at `window`."""
        if self.full:
            combos = list(itertools.product(self.coarse_first(), repeat=len(names)))
        else:
            combos = [(b,) * len(names) for b in self.coarse_first()]
            if window == max(self.windows):
                top, bottom = max(self.bits), min(self.bits)
                combos += [tuple(bottom if i == moved else top for i in range(len(names)))
                           for moved in range(len(names))]  # fmt: skip
        return [dict(zip(names, combo, strict=True)) for combo in dict.fromkeys(combos)]


def _ip_shape(block: NodeBlock, window: int, bits: dict[str, int], par: int,
              multiplier: str) -> dict[str, Generic]:  # fmt: skip
    shape = {k: (window if v == WINDOW else v) for k, v in block.shape.items()}
    shape |= {"PAR": par, "MULT_STYLE": multiplier}
    if block.ip == "attention":
        qkv = bits["QKV_BITS"]
        shape |= {"Q_BITS": qkv, "K_BITS": qkv, "V_BITS": qkv, "OUTPUT_BITS": qkv,
                  "PROB_BITS": bits["PROB_BITS"]}  # fmt: skip
    else:
        shape |= bits
    return shape


def _rom(depth: int, width: int, seed: int) -> ProfilePoint:
    """A ROM of uniformly random bits: the most a ROM of its size can cost."""
    digits = np.random.default_rng(seed).integers(0, 2, size=depth * width, dtype=np.uint8)
    init = (digits + ord("0")).tobytes().decode("ascii")
    return ProfilePoint(block="rom", generics={"DEPTH": depth, "WIDTH": width, "INIT": init})


def ip_points(block: NodeBlock, window: int, bits: dict[str, int], par: int, multiplier: str,
              seed: int = 0) -> list[ProfilePoint]:  # fmt: skip
    """The IP instance of a node block built this way, then the ROMs that feed it. `bits`
    maps the IP's IP_BITS names to widths; PAR is clamped as the mapping clamps it."""
    shape = _ip_shape(block, window, bits, par, multiplier)
    generics = CASES[block.ip](shape, 1, seed).generics
    points = [ProfilePoint(block=block.ip, generics=generics)]
    if block.ip == "linear":
        n_in, n_out = int(shape["IN_FEATURES"]), int(shape["OUT_FEATURES"])
        chunks = -(-n_in // int(generics["PAR"]))
        points.append(_rom(n_out * chunks, int(generics["PAR"]) * int(shape["WEIGHT_BITS"]), seed))
        points.append(_rom(n_out, int(generics["ACC_BITS"]), seed))
    if block.rom_table:
        points.append(_rom(window, int(shape["FEATURES"]) * int(shape["B_BITS"]), seed))
    return points


def buffer_point(block: NodeBlock, window: int, output_bits: int, storage: Storage
                 ) -> ProfilePoint:  # fmt: skip
    """The buffer of a node block's output at `output_bits` in `storage`."""
    rows = window if block.rows == WINDOW else block.rows
    return _buffer(rows, block.features * output_bits, storage)


def input_buffer_point(block: NodeBlock, window: int, input_bits: int, storage: Storage
                       ) -> ProfilePoint:  # fmt: skip
    """The buffer of the model input, which `block` reads (input_features > 0), at
    `input_bits` in `storage`: one row per time step."""
    return _buffer(window, block.input_features * input_bits, storage)


def _buffer(rows: int, width: int, storage: Storage) -> ProfilePoint:
    return ProfilePoint(block="buffer", generics={"DEPTH": rows, "WIDTH": width,
                                                  "RAM_STYLE": storage})  # fmt: skip


def grid_points(model: TransformerModel, grid: Grid) -> list[ProfilePoint]:
    """Every distinct point of every node block of `model` over `grid`, coarse first: at
    the model's own window before the others, and within a window every block's first
    assignment (the widest uniform one) before any block's second, and so on. A sweep
    profiles in this order, so an unfinished one soon has a point of every family and the
    fitted model answers for the whole model."""
    ranked: list[tuple[tuple[bool, int], ProfilePoint]] = []
    for window in grid.windows:
        later = window != model.window
        for block in model_blocks(model):
            for rank, bits in enumerate(grid.assignments(IP_BITS[block.ip], window)):
                offered = offered_parallelism(block.ip, grid.parallelism)
                for par, multiplier in itertools.product(offered, grid.multipliers):
                    ranked += [((later, rank), point)
                               for point in ip_points(block, window, bits, par, multiplier)]  # fmt: skip
            for rank, width in enumerate(grid.coarse_first()):
                for storage in grid.storages:
                    ranked.append(((later, rank), buffer_point(block, window, width, storage)))
                    if block.input_features:
                        point = input_buffer_point(block, window, width, storage)
                        ranked.append(((later, rank), point))
    seen: dict[str, ProfilePoint] = {}
    for _, point in sorted(ranked, key=lambda item: item[0]):
        seen.setdefault(point.key(), point)
    return list(seen.values())


def profile_point(point: ProfilePoint, cores: Path, route: Route = DEFAULT_ROUTE) -> KdbEntry:
    """Synthesize `point` through the synthesis route `route` (yosys: its core's `estimate`
    target, FuseSoC → GHDL → Yosys; vivado: its `synth` target, out of context). Raises
    ToolError when a tool fails or the design has latches."""
    began = time.perf_counter()
    digest = ip_digest(cores, point.block)
    vlnv = f"resq:ip:{point.block}:{IP_VERSION}"
    done = synthesis_route(route).synthesize(vlnv, [cores], point.generics, PROFILE_TIMEOUT_S)
    return KdbEntry(point=point, resources=done.resources, source_digest=digest,
                    seconds=round(time.perf_counter() - began, 2))  # fmt: skip
