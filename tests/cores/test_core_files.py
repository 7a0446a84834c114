"""The .core files agree with the VHDL they describe: every generic parameter's default is
the IP entity's default (its testbench's for testbench-only generics); the `sim` targets set
the shipped vectors' values with NAME=value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

CORES = Path(__file__).resolve().parents[2] / "cores"
IP_CORES = sorted(p for p in CORES.glob("*/*.core") if p.parent.name != "gen_model")
_GENERIC = re.compile(r"^\s*(\w+)\s*:\s*([\w ]+?)\s*(?::=\s*([^;]+?))?\s*;?\s*(?:--.*)?$")


def vhdl_generics(vhdl: str) -> dict[str, str | None]:
    """Generic name → default text (None without a default) of the first entity in `vhdl`."""
    block = re.search(r"entity\s+\w+\s+is\s+generic\s*\((.*?)\);\s*(?:port|end)", vhdl, re.S | re.I)
    if block is None:
        return {}
    generics: dict[str, str | None] = {}
    for line in block.group(1).splitlines():
        match = _GENERIC.match(line)
        if match:
            generics[match.group(1)] = match.group(3)
    return generics


def _same(core_default: object, vhdl_default: str) -> bool:
    text = vhdl_default.strip()
    if text.startswith('"') and text.endswith('"'):
        return str(core_default) == text[1:-1]
    if text.lower() in ("true", "false"):
        return str(core_default).lower() == text.lower()
    return str(core_default) == text


@pytest.mark.parametrize("core", IP_CORES, ids=lambda p: p.parent.name)
def test_core_parameter_defaults_equal_the_vhdl_defaults(core: Path) -> None:
    description = YAML(typ="safe").load(core.read_text())
    toplevels = [t.get("toplevel", "") for t in description.get("targets", {}).values()]
    entity = next((t.split(".")[-1] for t in toplevels if t and not t.endswith("_tb")), None)
    rtl = core.parent / "rtl" / f"{entity}.vhd"
    generics = vhdl_generics(rtl.read_text()) if entity is not None else {}
    testbench = next((core.parent / "tb").glob("*_tb.vhd"), None)
    tb_generics = vhdl_generics(testbench.read_text()) if testbench else {}
    wrong = []
    for name, parameter in description.get("parameters", {}).items():
        default = generics.get(name) if name in generics else tb_generics.get(name)
        if name not in generics and name not in tb_generics:
            wrong.append(f"{name}: no such generic")
        elif default is not None and not _same(parameter.get("default"), default):
            wrong.append(f"{name}: .core {parameter.get('default')!r}, VHDL {default}")
    assert not wrong, f"{core.name}: {'; '.join(wrong)}"
