"""GHDL's Verilog (`ghdl synth --out=verilog`) as Yosys and Verilator must read it.

GHDL 2.0 writes constants wider than 32 bits as strings of bits, which Verilog reads as
ASCII; an empty range as `0'b`; signed multiplies without `$signed`; an arithmetic shift
right (numeric_std's shift_right of a signed) as the logical `>>`; and `case` statements
without a default. `netlist_fixes` repairs all five; Yosys synthesizes the result and
Verilator simulates it (resq.hdlgen.verilator), which checks it against the integer
reference.
"""

from __future__ import annotations

import re

_CASE = re.compile(r"(case \([^)]*\)\n)(.*?)(\n\s*endcase)", re.DOTALL)
_FIRST_TARGET = re.compile(r":\s*(.+?)\s*<=")
_SMUL = re.compile(r"= (\S+) \* (\S+); // smul")
_EMPTY_CONSTANT = re.compile(r"(?<![0-9'])0'b(?![01xz])")
_BIT_STRING = re.compile(r'"([01xz]+)"')
_SIGNED_SHIFT = re.compile(r"(\$signed\([^()]*\)) >> ")


def add_case_defaults(verilog: str) -> str:
    """Add `default: <lhs> <= 'bx;` to every `case` that has no default."""

    def fix(match: re.Match[str]) -> str:
        head, body, tail = match.groups()
        target = _FIRST_TARGET.search(body)
        if "default" in body or target is None:
            return match.group(0)
        return f"{head}{body}\n      default: {target.group(1)} <= 'bx;{tail}"

    return _CASE.sub(fix, verilog)


def sign_multiplies(verilog: str) -> str:
    """Mark both operands of every GHDL `smul` as `$signed` (same result width and bits)."""
    return _SMUL.sub(r"= $signed(\1) * $signed(\2); // smul", verilog)


def arithmetic_shifts(verilog: str) -> str:
    """Write GHDL's `$signed(x) >> n` (its shift_right of a signed, which Verilog would shift
    in zeros) as the arithmetic `$signed(x) >>> n`."""
    return _SIGNED_SHIFT.sub(r"\1 >>> ", verilog)


def bits_from_strings(verilog: str) -> str:
    """Write GHDL's wide constants, strings of bits such as `"0110"`, as sized binary
    literals (`4'b0110`): Verilog reads a string as ASCII, 8 bits per character, so a
    comparison with it or a register initialised from it would be wrong."""
    return _BIT_STRING.sub(lambda m: f"{len(m.group(1))}'b{m.group(1)}", verilog)


def fill_empty_constants(verilog: str) -> str:
    """Replace GHDL's empty constant `0'b` (a one-value range) by `1'b0`."""
    return _EMPTY_CONSTANT.sub("1'b0", verilog)


def netlist_fixes(verilog: str) -> str:
    """GHDL's Verilog as Yosys and Verilator must read it: wide constants as bits, empty
    constants filled, multiplies signed, signed shifts arithmetic, case defaults added."""
    fixed = sign_multiplies(fill_empty_constants(bits_from_strings(verilog)))
    return add_case_defaults(arithmetic_shifts(fixed))
