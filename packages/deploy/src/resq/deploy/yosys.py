"""Open-source resource counts: VHDL-2008 → `ghdl synth` → Verilog → Yosys `synth_xilinx`.

Two workarounds for GHDL 2.0 → Yosys 0.23 (see hdl-toolchain-notes.md):
- GHDL's Verilog drops the `ram_style` attribute. The memories of cores/ carry their style in
  their name (`block_ram`, `distributed_ram`), and the Yosys script sets the attribute back.
- GHDL writes one-hot multiplexers as `case` without `default`, which Yosys turns into
  latches. `add_case_defaults` adds `default: <lhs> <= 'bx;` (the VHDL case was complete).
- GHDL writes a signed multiply (`smul`) as `*` of unsigned wires, both operands sign-extended
  to the product's width, so Yosys sees e.g. an 18×18 unsigned product for 9×9 bits and uses
  two DSP48E1 where one does. `sign_multiplies` writes `$signed(a) * $signed(b)`: the same
  low bits, and Yosys can drop the copied sign bits.
- GHDL writes the value of a one-value range (`natural range 0 to 0`, e.g. the row address of
  a one-row tensor) as the empty constant `0'b`, which Yosys rejects; its port is one bit.
  `fill_empty_constants` writes `1'b0` instead.
Every result reports its latch cells (LDCE/LDPE), which must be 0.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from resq.deploy.fusesoc import run_target
from resq.deploy.route import Generic, Synthesis, SynthesisRoute, ToolError
from resq.hdlgen.netlist import netlist_fixes
from resq.spec import Resources
from resq.spec.atomic import write_text_atomic
from resq.spec.processes import ToolTimeoutError, run_group
from resq.spec.tools import GHDL, YOSYS, missing_message

PART_FAMILY = "xc7"
"""`synth_xilinx -family`: 7-series (Spartan-7, Artix-7)."""

SYNTH_FAMILIES: dict[str, str] = {
    "spartan7": "xc7", "artix7": "xc7", "kintex7": "xc7", "virtex7": "xc7", "zynq7000": "xc7",
}  # fmt: skip
"""A board file's device family → the `synth_xilinx -family` its resources are counted for."""


LUTRAM_LUTS: dict[str, int] = {
    "RAM32M": 4, "RAM64M": 4, "RAM128X1D": 4, "RAM256X1S": 4, "RAM128X1S": 2,
    "RAM32X1D": 2, "RAM64X1D": 2, "RAM32X1S": 1, "RAM64X1S": 1, "SRL16E": 1, "SRLC32E": 1,
}  # fmt: skip
"""LUTs that one distributed-RAM or shift-register cell occupies."""

LATCH_CELLS = ("LDCE", "LDPE")

FLOW_VERSION = "2"
"""The version of what resq does to GHDL's Verilog before Yosys reads it (part of
`YosysRoute.versions`, so measurements of an older flow are not mixed with this one's).
2: wide constants, which GHDL 2.0 writes as strings of bits, read as bits, not ASCII."""


def synth_family(family: str) -> str:
    """The Yosys part family of a board's device `family`; ToolError for one resq cannot count."""
    if family not in SYNTH_FAMILIES:
        raise ToolError(
            f"device family {family!r}: resq counts resources for "
            f"{', '.join(sorted(SYNTH_FAMILIES))} (Yosys family {PART_FAMILY})"
        )
    return SYNTH_FAMILIES[family]


class VhdlSource(BaseModel):
    """One VHDL-2008 file and the library it is analysed into."""

    model_config = ConfigDict(frozen=True)

    path: Path
    library: str = "work"


class YosysReport(BaseModel):
    """Resources of one design from Yosys, the raw cell counts and the latch count."""

    model_config = ConfigDict(frozen=True)

    top: str
    generics: dict[str, int | str | bool] = Field(default_factory=dict)
    resources: Resources
    cells: dict[str, int]
    latches: int = Field(description="LDCE + LDPE cells; a correct design has none")
    seconds: float = Field(description="wall time of ghdl synth plus Yosys")


SYNTHESIS_TOOLS = (GHDL, YOSYS)
"""What the open-source route runs: GHDL reads the VHDL, Yosys maps it to the part."""


def _tool(name: str) -> str:
    tool = next(t for t in SYNTHESIS_TOOLS if t.executable == name)
    found = shutil.which(name)
    if found is None:
        raise ToolError(missing_message([tool], "synthesis with Yosys"))
    return found


STEP_TIMEOUT_S = 4 * 3600.0
"""Longest one GHDL or Yosys step may take by default, in seconds."""


def _run(command: Sequence[str], cwd: Path, what: str, stdout: Path | None = None,
         timeout_s: float = STEP_TIMEOUT_S) -> None:  # fmt: skip
    """Run `command` in a guarded process group (its standard output into `stdout` when
    given); ToolError naming `what` when it fails or takes longer than `timeout_s` s."""
    try:
        done = run_group(list(command), cwd, None, timeout_s, stdout)
    except ToolTimeoutError as e:
        raise ToolError(f"{what} did not finish in {timeout_s:g} s") from e
    if done.returncode != 0:
        raise ToolError(f"{what} failed (exit {done.returncode}):\n{done.output[-4000:]}")


def _generic_image(value: int | str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_verilog(
    sources: Sequence[VhdlSource], top: str, generics: Mapping[str, int | str | bool], work: Path
) -> Path:
    """Analyse `sources` and write `<top>.v`: `ghdl synth` of `top` (in the last source's
    library) with `generics`, with `netlist_fixes`."""
    ghdl = _tool("ghdl")
    work.mkdir(parents=True, exist_ok=True)
    flags = ["--std=08", f"--workdir={work}", f"-P{work}"]
    for source in sources:
        _run([ghdl, "-a", *flags, f"--work={source.library}", str(source.path)], work,
             f"ghdl -a {source.path.name}")  # fmt: skip
    library = sources[-1].library
    overrides = [f"-g{name}={_generic_image(value)}" for name, value in generics.items()]
    raw = work / f"{top}.ghdl.v"
    _run([ghdl, "synth", *flags, f"--work={library}", *overrides, "--out=verilog", top],
         work, f"ghdl synth {top}", stdout=raw)  # fmt: skip
    path = work / f"{top}.v"
    write_text_atomic(path, netlist_fixes(raw.read_text(encoding="utf-8")))
    return path


def resources_from_cells(cells: Mapping[str, int]) -> Resources:
    """Budget units from Yosys cell counts: LUT1..6, LUTRAM, FD* flip-flops, RAMB36 + ½ RAMB18,
    DSP48E1."""
    lut = sum(n for cell, n in cells.items() if re.fullmatch(r"LUT[1-6]", cell))
    lutram = sum(LUTRAM_LUTS[cell] * n for cell, n in cells.items() if cell in LUTRAM_LUTS)
    ff = sum(n for cell, n in cells.items() if cell.startswith("FD"))
    bram36 = cells.get("RAMB36E1", 0) + 0.5 * cells.get("RAMB18E1", 0)
    return Resources(lut=lut, lutram=lutram, ff=ff, bram36=bram36, dsp=cells.get("DSP48E1", 0))


def estimate(
    sources: Sequence[VhdlSource],
    top: str,
    generics: Mapping[str, int | str | bool],
    work: Path,
    nodsp: bool = False,
) -> YosysReport:
    """ghdl synth + Yosys synth_xilinx of `top`; `nodsp` keeps every multiply out of DSPs."""
    began = time.perf_counter()
    verilog = to_verilog(sources, top, generics, work)
    stat = work / f"{top}.stat.json"
    script = "\n".join([
        f"read_verilog {verilog.name}",
        'setattr -set ram_style "block" m:*block_ram*',
        'setattr -set ram_style "distributed" m:*distributed_ram*',
        f"synth_xilinx -family {PART_FAMILY} -flatten -noiopad -noclkbuf -top {top}"
        + (" -nodsp" if nodsp else ""),
        f"tee -q -o {stat.name} stat -json",
    ])  # fmt: skip
    write_text_atomic(work / f"{top}.ys", script + "\n")
    _run([_tool("yosys"), "-q", f"{top}.ys"], work, f"yosys {top}.ys")
    design = json.loads(stat.read_text())["design"]
    cells = {str(k): int(v) for k, v in design.get("num_cells_by_type", {}).items()}
    return YosysReport(
        top=top, generics=dict(generics), resources=resources_from_cells(cells), cells=cells,
        latches=sum(cells.get(cell, 0) for cell in LATCH_CELLS),
        seconds=round(time.perf_counter() - began, 2),
    )  # fmt: skip


def estimate_core(vlnv: str, roots: Sequence[Path], generics: Mapping[str, int | str | bool],
                  timeout_s: float = 3600) -> YosysReport:  # fmt: skip
    """The Yosys report of the `estimate` target of a core (an IP with generics, or a
    generated model) with the core libraries `roots`; ToolError when FuseSoC or a tool
    fails, the run takes longer than `timeout_s` seconds, or the design has latches."""
    with run_target("estimate", vlnv, roots, generics, timeout_s) as build:
        found = list(build.rglob("*.resources.json"))
        if len(found) != 1:
            raise ToolError(f"{vlnv}: the estimate target wrote no resources.json")
        return YosysReport.model_validate_json(found[0].read_text())


class YosysRoute(SynthesisRoute):
    """The open-source route: FuseSoC's `estimate` target of a core, GHDL → Verilog → Yosys
    synth_xilinx (resq.deploy.edam_estimate runs inside it)."""

    name = "yosys"
    title = "Yosys synth_xilinx"
    tools = SYNTHESIS_TOOLS
    flow_version = FLOW_VERSION

    def synthesize(self, vlnv: str, roots: Sequence[Path], generics: Mapping[str, Generic],
                   timeout_s: float) -> Synthesis:  # fmt: skip
        report = estimate_core(vlnv, roots, generics, timeout_s)
        return Synthesis(resources=report.resources, seconds=report.seconds)
