"""Model generation without tools: names that cannot become VHDL, the report parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.model import entity_name
from resq.hdlgen.simulation import parse_report
from resq.spec import BitConfig, NodeChoice, NodeHardware, load_spec

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", ["Airu", "air u", "x;rm", "a__b", "1abc", "a" * 60])
def test_names_that_cannot_become_vhdl_are_rejected(name: str) -> None:
    with pytest.raises(HdlgenError, match="cannot become a VHDL identifier"):
        entity_name(name)


def test_spec_names_map_to_an_entity() -> None:
    assert entity_name("beijing-o3-mixed") == "beijing_o3_mixed_model"


def test_node_overrides_take_precedence() -> None:
    config = BitConfig.from_spec(load_spec(REPO / "specs" / "beijing-o3.yaml").spec)
    config = config.with_hardware(4, "lut", "block",
                                  {"l0_ffn1": NodeHardware(parallelism=16, multiplier="dsp")})  # fmt: skip
    assert config.choice("l0_ffn1", "FFN") == NodeChoice(storage="block", parallelism=16,
                                                         multiplier="dsp")  # fmt: skip
    assert config.choice("l0_ffn2", "FFN").parallelism == 4
    assert config.choice("linput", "Linput").multiplier == "lut"


def test_report_parser_reads_the_testbench_lines() -> None:
    output = (
        "m_tb: node linput                   cycles=506\n"
        "m_tb: node gap                      cycles=29\n"
        "m_tb: bit_exact=199/200\nm_tb: cycles=9137 samples=200 mismatches=1\n"
    )
    result = parse_report(output, passed=False)
    assert result.bit_exact == "199/200" and result.cycles == 9137
    assert result.node_cycles == {"linput": 506, "gap": 29} and not result.passed
    with pytest.raises(HdlgenError, match="did not report"):
        parse_report("nothing", passed=False)
