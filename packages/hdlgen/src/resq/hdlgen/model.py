"""VHDL of a whole IntModel: a top that runs the IP of cores/ one node after another.

Every tensor lives in a `resq_buffer` (one row per word); every node is one IP instance that
reads its inputs' buffers and writes its output's; weights, biases and constant tables are
`resq_rom` instances initialised from a generated package. A sequencer starts node i + 1 when
node i is done, and multiplexes each buffer's read port to the node that is running.
`top_vhdl` returns the top and the package; resq.hdlgen.project adds a testbench, vectors and a
FuseSoC core `resq:model:<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from resq.hdlgen.ipvectors import Generic, linear_weight_words, packed
from resq.qat.intmodel import (
    AddNode,
    AttentionNode,
    BatchNormNode,
    IntModel,
    LinearNode,
    MeanNode,
    Node,
)
from resq.spec import ResqError
from resq.spec.hardware import HardwareSpec

VHDL_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
"""What a node or tensor name must look like to become part of a VHDL identifier."""

CORE_VERSION = "0.1.0"


class HdlgenError(ResqError):
    """A model or hardware plan that cannot become VHDL (names, shapes, parallelism)."""


class HardwarePlan(BaseModel):
    """Concrete hardware choices: MACs per cycle and multiplier style per node, buffer style.

    `par`, `mult_style` and `ram_style` are defaults; `nodes` overrides the first two by node
    name and `buffers` the last by tensor name. A node's PAR is clamped to what its IP accepts
    (at most its features; a divisor of d_head in attention).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    par: int = Field(1, ge=1, le=64, description="multiplies per cycle of every node")
    mult_style: Literal["dsp", "lut"] = "dsp"
    ram_style: Literal["block", "distributed", "auto"] = "auto"
    nodes: dict[str, tuple[int, Literal["dsp", "lut"]]] = Field(
        default_factory=dict, description="node name → (PAR, MULT_STYLE)"
    )
    buffers: dict[str, Literal["block", "distributed", "auto"]] = Field(
        default_factory=dict, description="tensor name → RAM_STYLE of its buffer"
    )

    @classmethod
    def from_spec(cls, hardware: HardwareSpec, model: IntModel) -> HardwarePlan:
        """The plan a spec's `hardware` section fixes: section defaults, then component
        overrides for every node of that component. A `search` value raises: the search
        stage (resq-optimizer) chooses those."""
        searched = [
            f"hardware.{where}{field}"
            for where, choice in [("", hardware)] + [
                (f"components.{c}.", o) for c, o in hardware.components.items()
            ]
            for field in ("storage", "parallelism", "multiplier")
            if getattr(choice, field) == "search"
        ]  # fmt: skip
        if searched:
            raise HdlgenError(
                f"{', '.join(searched)} {'is' if len(searched) == 1 else 'are'} 'search', which "
                "only the search stage can resolve; "
                "give concrete values (storage block|distributed|auto, parallelism 1..64, "
                "multiplier dsp|lut) to generate without it"
            )
        nodes: dict[str, tuple[int, Literal["dsp", "lut"]]] = {}
        buffers: dict[str, Literal["block", "distributed", "auto"]] = {}
        for node in model.nodes:
            override = hardware.components.get(node.component)
            if override is None:
                continue
            par, style = override.parallelism, override.multiplier
            nodes[node.name] = (
                int(par or hardware.parallelism),
                cast(Literal["dsp", "lut"], style or hardware.multiplier),
            )
            if override.storage is not None:
                buffers[node.output] = cast(Literal["block", "distributed", "auto"],
                                            override.storage)  # fmt: skip
        return cls(
            par=int(hardware.parallelism),
            mult_style=cast(Literal["dsp", "lut"], hardware.multiplier),
            ram_style=cast(Literal["block", "distributed", "auto"], hardware.storage),
            nodes=nodes,
            buffers=buffers,
        )

    def choice(self, node: str) -> tuple[int, str]:
        """(PAR, MULT_STYLE) of one node before clamping."""
        return self.nodes.get(node, (self.par, self.mult_style))


def _check_name(name: str, what: str) -> str:
    if not VHDL_NAME.match(name) or len(name) > 48:
        raise HdlgenError(
            f"{what} {name!r} cannot become a VHDL identifier: expected lower-case words of "
            "letters and digits joined by single underscores, starting with a letter (≤ 48)"
        )
    return name


def entity_name(model_name: str) -> str:
    """The top entity of a model: the spec name with `-` as `_`, then `_model`."""
    return _check_name(model_name.replace("-", "_"), "model name") + "_model"


def _rows_features(shape: Sequence[int]) -> tuple[int, int]:
    return (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])


def _divisor_at_most(value: int, limit: int) -> int:
    return max(d for d in range(1, min(value, limit) + 1) if value % d == 0)


def _literal(bits: str) -> str:
    return f'"{bits}"'


class _Design:
    """Collects the declarations, instances and read-port multiplexers of the top."""

    def __init__(self, model: IntModel, arrays: dict[str, np.ndarray], plan: HardwarePlan):
        self.model, self.arrays, self.plan = model, arrays, plan
        self.signals: list[str] = []
        self.body: list[str] = []
        self.constants: list[str] = []
        self.readers: dict[str, list[tuple[int, str]]] = {}
        self.generics: dict[str, dict[str, Generic]] = {}

    def bits(self, tensor: str) -> int:
        return self.model.tensors[tensor].qparams.bit_width

    def word(self, tensor: str) -> int:
        return _rows_features(self.model.tensors[tensor].shape)[1] * self.bits(tensor)

    def rows(self, tensor: str) -> int:
        return _rows_features(self.model.tensors[tensor].shape)[0]

    def read(self, tensor: str, stage: int, node: str, port: str) -> tuple[str, str]:
        """Signals (address, data) through which node `node` reads `tensor` on port `port`."""
        addr, data = f"{node}_{port}_addr", f"{node}_{port}_data"
        self.signals.append(f"signal {addr} : natural range 0 to {self.rows(tensor) - 1};")
        self.signals.append(f"signal {data} : std_logic_vector({self.word(tensor) - 1} downto 0);")
        if self.model.tensors[tensor].constant:
            self.rom(f"{node}_{port}", self.rows(tensor), self.word(tensor),
                     packed(self.arrays[tensor], self.bits(tensor)), addr, data)  # fmt: skip
        else:
            self.readers.setdefault(tensor, []).append((stage, addr))
            self.body.append(f"{data} <= {tensor}_buf_r_data;")
        return addr, data

    def rom(self, name: str, depth: int, width: int, bits: str, addr: str, data: str) -> None:
        constant = f"{name.upper()}_INIT_c"
        self.constants.append(
            f"constant {constant} : std_logic_vector({depth * width - 1} downto 0) :=\n"
            f"    {_literal(bits)};"
        )
        self.body.append(
            f"{name}_rom : entity resq.resq_rom\n"
            f"  generic map (DEPTH => {depth}, WIDTH => {width}, INIT => {constant})\n"
            f"  port map (clk => clk, r_addr => {addr}, r_data => {data});"
        )

    def instance(self, stage: int, node: Node, entity: str, generics: dict[str, Generic],
                 ports: dict[str, str]) -> None:  # fmt: skip
        self.generics[node.name] = generics
        image = {True: "true", False: "false"}
        values = [
            f"{k} => {image[v] if isinstance(v, bool) else _generic_value(k, v)}"
            for k, v in generics.items()
        ]
        connections = [f"{port} => {signal}" for port, signal in ports.items()]
        self.body.append(
            f"{node.name}_i : entity resq.{entity}\n"
            f"  generic map (\n    " + ",\n    ".join(values) + "\n  )\n"
            f"  port map (\n    clk => clk, rst => rst, start => starts_r({stage}),\n"
            f"    done => dones({stage}),\n    " + ",\n    ".join(connections) + "\n  );"
        )

    def write(self, node: Node, with_address: bool = True) -> dict[str, str]:
        """The output ports of a node, connected to its output tensor's buffer write port."""
        t = node.output
        self.signals.append(f"signal {t}_buf_we : std_logic;")
        self.signals.append(
            f"signal {t}_buf_w_data : std_logic_vector({self.word(t) - 1} downto 0);"
        )
        self.signals.append(f"signal {t}_buf_w_addr : natural range 0 to {self.rows(t) - 1};")
        if not with_address:
            self.body.append(f"{t}_buf_w_addr <= 0;")
            return {"y_data": f"{t}_buf_w_data", "y_we": f"{t}_buf_we"}
        return {"y_addr": f"{t}_buf_w_addr", "y_data": f"{t}_buf_w_data", "y_we": f"{t}_buf_we"}


def _generic_value(name: str, value: Generic) -> str:
    if isinstance(value, str):
        return value + "_c" if name in ("WEIGHTS", "BIASES", "EXP2_TABLE") else f'"{value}"'
    return str(value)


def _output(model: IntModel, tensor: str) -> dict[str, Generic]:
    qp = model.tensors[tensor].qparams
    return {"OUTPUT_BITS": qp.bit_width, "OUTPUT_ZERO": qp.zero_point,
            "OUTPUT_MIN": qp.quant_min, "OUTPUT_MAX": qp.quant_max}  # fmt: skip


def _linear(d: _Design, stage: int, node: LinearNode) -> None:
    par, style = d.plan.choice(node.name)
    par = min(par, node.in_features)
    chunks = -(-node.in_features // par)
    wb = node.weight.bit_width
    padded = linear_weight_words(d.arrays[f"{node.name}.weight"], node.weight.zero_point, par)
    x_addr, x_data = d.read(node.input, stage, node.name, "x")
    for port, depth, width, bits in (
        ("w", node.out_features * chunks, par * wb, packed(padded, wb)),
        ("b", node.out_features, node.accumulator_bits,
         packed(d.arrays[f"{node.name}.bias"], node.accumulator_bits)),
    ):  # fmt: skip
        addr, data = f"{node.name}_{port}_addr", f"{node.name}_{port}_data"
        d.signals.append(f"signal {addr} : natural range 0 to {depth - 1};")
        d.signals.append(f"signal {data} : std_logic_vector({width - 1} downto 0);")
        d.rom(f"{node.name}_{port}", depth, width, bits, addr, data)
    x_qp = d.model.tensors[node.input].qparams
    generics: dict[str, Generic] = {
        "ROWS": d.rows(node.input), "IN_FEATURES": node.in_features,
        "OUT_FEATURES": node.out_features, "INPUT_BITS": x_qp.bit_width, "WEIGHT_BITS": wb,
        "ACC_BITS": node.accumulator_bits, "INPUT_ZERO": x_qp.zero_point,
        "WEIGHT_ZERO": node.weight.zero_point, **_output(d.model, node.output),
        "MULTIPLIER": node.multiplier, "SHIFT": node.shift, "RELU": node.relu, "PAR": par,
        "MULT_STYLE": style,
    }  # fmt: skip
    ports = {"x_addr": x_addr, "x_data": x_data,
             "w_addr": f"{node.name}_w_addr", "w_data": f"{node.name}_w_data",
             "b_addr": f"{node.name}_b_addr", "b_data": f"{node.name}_b_data",
             **d.write(node)}  # fmt: skip
    d.instance(stage, node, "resq_linear", generics, ports)


def _add(d: _Design, stage: int, node: AddNode) -> None:
    a, b = node.inputs
    rows, features = _rows_features(d.model.tensors[node.output].shape)
    par, style = d.plan.choice(node.name)
    a_addr, a_data = d.read(a, stage, node.name, "a")
    b_addr, b_data = d.read(b, stage, node.name, "b")
    a_qp, b_qp = d.model.tensors[a].qparams, d.model.tensors[b].qparams
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "A_BITS": a_qp.bit_width, "B_BITS": b_qp.bit_width,
        "ACC_BITS": node.accumulator_bits, "A_ZERO": a_qp.zero_point, "B_ZERO": b_qp.zero_point,
        **_output(d.model, node.output), "A_MULTIPLIER": node.multipliers[0],
        "B_MULTIPLIER": node.multipliers[1], "SHIFT": node.shift, "PAR": min(par, features),
        "MULT_STYLE": style,
    }  # fmt: skip
    ports = {"a_addr": a_addr, "a_data": a_data, "b_addr": b_addr, "b_data": b_data,
             **d.write(node)}  # fmt: skip
    d.instance(stage, node, "resq_add", generics, ports)


def _batchnorm(d: _Design, stage: int, node: BatchNormNode) -> None:
    rows, features = _rows_features(d.model.tensors[node.output].shape)
    par, style = d.plan.choice(node.name)
    x_addr, x_data = d.read(node.input, stage, node.name, "x")
    x_qp = d.model.tensors[node.input].qparams
    wb, acc = node.weight.bit_width, node.accumulator_bits
    prefix = node.name.upper()
    d.constants.append(
        f"constant {prefix}_WEIGHTS_c : std_logic_vector({features * wb - 1} downto 0) :=\n"
        f"    {_literal(packed(d.arrays[f'{node.name}.weight'], wb))};"
    )
    d.constants.append(
        f"constant {prefix}_BIASES_c : std_logic_vector({features * acc - 1} downto 0) :=\n"
        f"    {_literal(packed(d.arrays[f'{node.name}.bias'], acc))};"
    )
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "INPUT_BITS": x_qp.bit_width, "WEIGHT_BITS": wb,
        "ACC_BITS": acc, "INPUT_ZERO": x_qp.zero_point, "WEIGHT_ZERO": node.weight.zero_point,
        **_output(d.model, node.output), "MULTIPLIER": node.multiplier, "SHIFT": node.shift,
        "WEIGHTS": f"{prefix}_WEIGHTS", "BIASES": f"{prefix}_BIASES",
        "PAR": min(par, features), "MULT_STYLE": style,
    }  # fmt: skip
    ports = {"x_addr": x_addr, "x_data": x_data, **d.write(node)}
    d.instance(stage, node, "resq_batchnorm", generics, ports)


def _gap(d: _Design, stage: int, node: MeanNode) -> None:
    rows, features = _rows_features(d.model.tensors[node.input].shape)
    par, style = d.plan.choice(node.name)
    x_addr, x_data = d.read(node.input, stage, node.name, "x")
    x_qp = d.model.tensors[node.input].qparams
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "INPUT_BITS": x_qp.bit_width,
        "ACC_BITS": node.accumulator_bits, "INPUT_ZERO": x_qp.zero_point,
        **_output(d.model, node.output), "MULTIPLIER": node.multiplier, "SHIFT": node.shift,
        "PAR": min(par, features), "MULT_STYLE": style,
    }  # fmt: skip
    ports = {"x_addr": x_addr, "x_data": x_data, **d.write(node, with_address=False)}
    d.instance(stage, node, "resq_gap", generics, ports)


def _attention(d: _Design, stage: int, node: AttentionNode) -> None:
    rows, features = _rows_features(d.model.tensors[node.output].shape)
    par, style = d.plan.choice(node.name)
    par = _divisor_at_most(features // node.n_heads, par)
    softmax = d.model.softmax
    table = f"{node.name.upper()}_EXP2_TABLE"
    d.constants.append(
        f"constant {table}_c : std_logic_vector("
        f"{len(softmax.exp2) * (softmax.exp_bits + 1) - 1} downto 0) :=\n"
        f"    {_literal(packed(np.array(softmax.exp2), softmax.exp_bits + 1))};"
    )
    ports: dict[str, str] = {}
    qps = {}
    for port, tensor in (("q", node.query), ("k", node.key), ("v", node.value)):
        ports[f"{port}_addr"], ports[f"{port}_data"] = d.read(tensor, stage, node.name, port)
        qps[port] = d.model.tensors[tensor].qparams
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "HEADS": node.n_heads,
        "Q_BITS": qps["q"].bit_width, "K_BITS": qps["k"].bit_width,
        "V_BITS": qps["v"].bit_width, "Q_ZERO": qps["q"].zero_point,
        "K_ZERO": qps["k"].zero_point, "V_ZERO": qps["v"].zero_point,
        **_output(d.model, node.output), "SCORE_ACC_BITS": node.score_accumulator_bits,
        "SCORE_MULTIPLIER": node.score_multiplier, "SCORE_SHIFT": node.score_shift,
        "PROB_BITS": node.prob_bits, "FRAC_BITS": softmax.frac_bits,
        "EXP_BITS": softmax.exp_bits, "EXP2_TABLE": table, "ACC_BITS": node.accumulator_bits,
        "MULTIPLIER": node.multiplier, "SHIFT": node.shift, "PAR": par, "MULT_STYLE": style,
    }  # fmt: skip
    d.instance(stage, node, "resq_attention", generics, {**ports, **d.write(node)})


def _design(model: IntModel, arrays: dict[str, np.ndarray], plan: HardwarePlan) -> _Design:
    d = _Design(model, arrays, plan)
    for name in [*model.tensors, *(n.name for n in model.nodes)]:
        _check_name(name, "tensor or node name")
    for stage, node in enumerate(model.nodes):
        if isinstance(node, LinearNode):
            _linear(d, stage, node)
        elif isinstance(node, AddNode):
            _add(d, stage, node)
        elif isinstance(node, BatchNormNode):
            _batchnorm(d, stage, node)
        elif isinstance(node, MeanNode):
            _gap(d, stage, node)
        else:
            _attention(d, stage, node)
    return d


def _indent(lines: Sequence[str], spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line.replace("\n", "\n" + pad) for line in lines)


def top_vhdl(name: str, model: IntModel, arrays: dict[str, np.ndarray],
             plan: HardwarePlan) -> tuple[str, str]:  # fmt: skip
    """(package, top) VHDL of the model: `<entity>_pkg` with every ROM image and constant
    vector, and the top entity (ports: start/done, the input buffer's write port, the
    output word and the index of the running stage)."""
    entity = entity_name(name)
    d = _design(model, arrays, plan)
    stages = len(model.nodes)
    x, y = model.input, model.output
    buffers: list[str] = []
    d.signals.append(f"signal {x}_buf_we : std_logic;")
    d.signals.append(f"signal {x}_buf_w_addr : natural range 0 to {d.rows(x) - 1};")
    d.signals.append(f"signal {x}_buf_w_data : std_logic_vector({d.word(x) - 1} downto 0);")
    d.readers.setdefault(y, []).append((stages, "0"))
    for tensor, info in model.tensors.items():
        if info.constant:
            continue
        rows = d.rows(tensor)
        d.signals.append(f"signal {tensor}_buf_r_addr : natural range 0 to {rows - 1};")
        d.signals.append(
            f"signal {tensor}_buf_r_data : std_logic_vector({d.word(tensor) - 1} downto 0);"
        )
        readers = d.readers.get(tensor, [])
        if len(readers) == 1:
            mux = f"{tensor}_buf_r_addr <= {readers[0][1]};"
        else:
            choices = " else\n    ".join(f"{a} when stage_r = {s}" for s, a in readers)
            mux = f"{tensor}_buf_r_addr <= {choices} else\n    0;"
        buffers.append(mux)
        buffers.append(
            f"{tensor}_buffer : entity resq.resq_buffer\n"
            f"  generic map (DEPTH => {rows}, WIDTH => {d.word(tensor)}, "
            f'RAM_STYLE => "{plan.buffers.get(tensor, plan.ram_style)}")\n'
            f"  port map (clk => clk, we => {tensor}_buf_we, w_addr => {tensor}_buf_w_addr,\n"
            f"            w_data => {tensor}_buf_w_data, r_addr => {tensor}_buf_r_addr,\n"
            f"            r_data => {tensor}_buf_r_data);"
        )
    package = (
        f"-- {entity}_pkg: the constants of {entity}, generated by resq-hdlgen from an IntModel\n"
        f"-- (ROM images: word 0 in the low bits; element 0 of a word in its low bits).\n"
        "library ieee;\nuse ieee.std_logic_1164.all;\n\n"
        f"package {entity}_pkg is\n\n{_indent(d.constants, 2)}\n\nend package {entity}_pkg;\n"
    )
    top = f"""-- {entity}: the integer model "{name}", generated by resq-hdlgen from an IntModel.
-- One node runs at a time, in the IntModel's order; stage is its index ({stages} = idle).
-- Write the input rows through x_we/x_addr/x_data, pulse start, wait for done; y_data
-- holds the output row one cycle after done.
library ieee;
use ieee.std_logic_1164.all;

library resq;
use resq.{entity}_pkg.all;

entity {entity} is
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_we   : in  std_logic;
    x_addr : in  natural range 0 to {d.rows(x) - 1};
    x_data : in  std_logic_vector({d.word(x) - 1} downto 0);
    y_data : out std_logic_vector({d.word(y) - 1} downto 0);
    stage  : out natural range 0 to {stages}
  );
end entity {entity};

architecture rtl of {entity} is

  signal stage_r  : natural range 0 to {stages} := {stages};
  signal starts_r : std_logic_vector(0 to {stages - 1}) := (others => '0');
  signal dones    : std_logic_vector(0 to {stages - 1});
  signal done_r   : std_logic := '0';
{_indent(d.signals, 2)}

begin

  stage  <= stage_r;
  done   <= done_r;
  {x}_buf_we     <= x_we;
  {x}_buf_w_addr <= x_addr;
  {x}_buf_w_data <= x_data;
  y_data <= {y}_buf_r_data;

  sequencer : process (clk)
  begin
    if rising_edge(clk) then
      starts_r <= (others => '0');
      done_r   <= '0';
      if stage_r = {stages} then
        if start = '1' then
          stage_r     <= 0;
          starts_r(0) <= '1';
        end if;
      elsif dones(stage_r) = '1' then
        if stage_r = {stages - 1} then
          done_r <= '1';
          stage_r <= {stages};
        else
          stage_r <= stage_r + 1;
          starts_r(stage_r + 1) <= '1';
        end if;
      end if;
      if rst = '1' then
        stage_r <= {stages};
        done_r  <= '0';
      end if;
    end if;
  end process sequencer;

{_indent(buffers, 2)}

{_indent(d.body, 2)}

end architecture rtl;
"""
    return package, top
