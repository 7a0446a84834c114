"""Pure parts of the Yosys route: netlist fixes (resq.hdlgen.netlist), cell → resource conversion."""

from __future__ import annotations

from resq.deploy.yosys import resources_from_cells
from resq.hdlgen.netlist import (
    add_case_defaults,
    arithmetic_shifts,
    bits_from_strings,
    fill_empty_constants,
    sign_multiplies,
)

CASE = """  always @*
    case (n100_o)
      2'b10: n104_o <= n93_o;
      2'b01: n104_o <= 3'b011;
    endcase
  always @*
    case (s)
      1'b1: y <= a;
      default: y <= b;
    endcase
"""


def test_a_case_without_default_gets_one_and_others_stay() -> None:
    fixed = add_case_defaults(CASE)
    assert "default: n104_o <= 'bx;\n    endcase" in fixed
    assert fixed.count("default") == 2
    assert add_case_defaults(fixed) == fixed


def test_empty_constants_become_one_zero_bit_and_others_stay() -> None:
    verilog = "  localparam n23_o = 0'b;\n  assign y = {n23_o, 4'b0010, 10'b0};\n"
    fixed = fill_empty_constants(verilog)
    assert fixed == "  localparam n23_o = 1'b0;\n  assign y = {n23_o, 4'b0010, 10'b0};\n"


def test_signed_multiplies_get_signed_operands_and_others_stay() -> None:
    verilog = (
        "  assign n223_o = n221_o * n222_o; // smul\n"
        "  assign n287_o = n284_o * 38'b0100110; // smul\n"
        "  assign n9_o = n7_o * n8_o; // umul\n"
    )
    assert sign_multiplies(verilog) == (
        "  assign n223_o = $signed(n221_o) * $signed(n222_o); // smul\n"
        "  assign n287_o = $signed(n284_o) * $signed(38'b0100110); // smul\n"
        "  assign n9_o = n7_o * n8_o; // umul\n"
    )


def test_a_signed_shift_right_becomes_arithmetic() -> None:
    """GHDL writes shift_right of a signed as `$signed(x) >> n`, which shifts in zeros."""
    verilog = (
        "  assign n4479_o = $signed(p2_r) >> 31'b0000000000000000000000000010010;\n"
        "  assign n12_o = n11_o >> 31'b0000000000000000000000000000011;\n"
    )
    assert arithmetic_shifts(verilog) == (
        "  assign n4479_o = $signed(p2_r) >>> 31'b0000000000000000000000000010010;\n"
        "  assign n12_o = n11_o >> 31'b0000000000000000000000000000011;\n"
    )


def test_cells_become_budget_units() -> None:
    cells = {"LUT2": 3, "LUT6": 4, "MUXF7": 9, "RAM32M": 2, "SRLC32E": 1, "FDRE": 5,
             "FDCE": 1, "RAMB36E1": 1, "RAMB18E1": 3, "DSP48E1": 2, "INV": 7}  # fmt: skip
    r = resources_from_cells(cells)
    assert (r.lut, r.lutram, r.ff, r.bram36, r.dsp) == (7, 9, 6, 2.5, 2)


def test_wide_constants_written_as_strings_become_bits() -> None:
    verilog = """  assign n1 = $signed(a) < $signed("111111111111111111111111111111110000001");
    q <= "0110";
  $display("done");"""
    assert (
        bits_from_strings(verilog)
        == """  assign n1 = $signed(a) < $signed(39'b111111111111111111111111111111110000001);
    q <= 4'b0110;
  $display("done");"""
    )
