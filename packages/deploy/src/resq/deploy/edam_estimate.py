"""The `estimate` target of the resq IP cores: a Yosys estimate of whatever FuseSoC set up.

The target elaborates its toplevel with GHDL (`ghdl -r --no-run`) and then runs this module as
its `post_run` hook, in the work root, where Edalize left the EDAM file (`<name>.eda.yml`):
its VHDL files, libraries, toplevel and generic values (command-line overrides included).

    python3 -m resq.deploy.edam_estimate [EDAM_FILE]

writes `<toplevel>.resources.json` (a YosysReport) into the work root, prints the resources
and exits 1 when the design has latches or a tool fails. `estimate_core` runs the target of
a core (an IP with generics, or a generated model) and returns its report.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError
from resq.deploy.yosys import VhdlSource, YosysReport, estimate
from resq.spec import ResqError
from resq.spec.atomic import write_json_atomic
from rich.console import Console
from rich.table import Table
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

VHDL_TYPES = ("vhdlSource", "vhdlSource-2008", "vhdlSource-93")


class EdamFile(BaseModel):
    """One file of an EDAM description."""

    model_config = ConfigDict(extra="ignore")

    name: str
    file_type: str = ""
    logical_name: str = "work"


class EdamParameter(BaseModel):
    """One parameter of an EDAM description; `default` holds the value in force."""

    model_config = ConfigDict(extra="ignore")

    datatype: str
    paramtype: str
    default: int | bool | str | None = None


class Edam(BaseModel):
    """The parts of Edalize's EDAM file that an estimate needs."""

    model_config = ConfigDict(extra="ignore")

    name: str
    toplevel: str
    files: list[EdamFile]
    parameters: dict[str, EdamParameter] = {}


def read_edam(path: Path) -> Edam:
    """Parse an EDAM YAML file; ResqError names the file on failure."""
    try:
        return Edam.model_validate(YAML(typ="safe").load(path.read_text(encoding="utf-8")))
    except (OSError, YAMLError, ValidationError) as e:
        raise ResqError(f"cannot read the EDAM file {path}: {e}") from e


def sources(edam: Edam, root: Path) -> list[VhdlSource]:
    """The VHDL files of `edam` in order, paths resolved against the work root `root`."""
    return [
        VhdlSource(path=(root / f.name).resolve(), library=f.logical_name or "work")
        for f in edam.files
        if f.file_type in VHDL_TYPES
    ]


def generics(edam: Edam) -> dict[str, int | str | bool]:
    """Values of the generic parameters that have one."""
    return {
        name: p.default
        for name, p in edam.parameters.items()
        if p.paramtype == "generic" and p.default is not None
    }


def _table(report: YosysReport) -> Table:
    table = Table(title=f"{report.top}: Yosys synth_xilinx (ghdl synth → Verilog route)")
    for column in ("LUT", "LUTRAM", "FF", "BRAM36", "DSP", "latches", "seconds"):
        table.add_column(column, justify="right")
    r = report.resources
    table.add_row(f"{r.lut:g}", f"{r.lutram:g}", f"{r.ff:g}", f"{r.bram36:g}", f"{r.dsp:g}",
                  str(report.latches), f"{report.seconds:.1f}")  # fmt: skip
    return table


def run_estimate(edam_file: Path) -> YosysReport:
    """Estimate the toplevel of `edam_file` and write `<top>.resources.json` beside it."""
    root = edam_file.parent
    edam = read_edam(edam_file)
    files = sources(edam, root)
    if not files:
        raise ResqError(f"{edam_file} lists no VHDL files")
    top = edam.toplevel.rpartition(".")[2]
    report = estimate(files, top, generics(edam), root / "yosys")
    write_json_atomic(root / f"{top}.resources.json", report.model_dump(mode="json"))
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point of the hook; 0 when the estimate is latch-free."""
    args = sys.argv[1:] if argv is None else argv
    if args:
        edam_file = Path(args[0])
    else:
        found = sorted(Path.cwd().glob("*.eda.yml"))
        if len(found) != 1:
            print(f"resq estimate: expected one *.eda.yml in {Path.cwd()}, found {len(found)}",
                  file=sys.stderr)  # fmt: skip
            return 1
        edam_file = found[0]
    try:
        report = run_estimate(edam_file)
    except ResqError as e:
        print(f"resq estimate: {e}", file=sys.stderr)
        return 1
    Console().print(_table(report))
    if report.latches:
        print(f"resq estimate: {report.latches} latch cells in {report.top}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
