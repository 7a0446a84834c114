"""Every IP of cores/ in GHDL through FuseSoC against its integer reference (resq.spec.integer.intref):
bit widths 4, 6 and 8, PAR 1 and above, both multiplier styles; a corrupted vector fails."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from resq.hdlgen.cycles import ip_cycles
from resq.hdlgen.ipvectors import CASES, DEFAULT_SHAPES, Generic
from ruamel.yaml import YAML

Simulate = Callable[[str, list[str], Path], subprocess.CompletedProcess[str]]

CORES = Path(__file__).resolve().parents[2] / "cores"


def _bits(names: tuple[str, ...], bits: int) -> dict[str, Generic]:
    return dict.fromkeys(names, bits)


ADD = ("A_BITS", "B_BITS", "OUTPUT_BITS")
AFFINE = ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS")
POOL = ("INPUT_BITS", "OUTPUT_BITS")
ATTENTION = ("Q_BITS", "K_BITS", "V_BITS", "OUTPUT_BITS")
AIRU = {"ROWS": 24, "FEATURES": 16}

SETTINGS: list[tuple[str, dict[str, Generic]]] = [
    ("add", {**AIRU, **_bits(ADD, 8), "PAR": 1, "MULT_STYLE": "dsp"}),
    ("add", {**AIRU, **_bits(ADD, 4), "PAR": 16, "MULT_STYLE": "lut"}),
    ("add", {**AIRU, **_bits(ADD, 6), "B_BITS": 8, "PAR": 3, "MULT_STYLE": "lut"}),
    ("batchnorm", {**AIRU, **_bits(AFFINE, 8), "PAR": 1, "MULT_STYLE": "lut"}),
    ("batchnorm", {**AIRU, **_bits(AFFINE, 4), "PAR": 5, "MULT_STYLE": "dsp"}),
    ("batchnorm", {**AIRU, **_bits(AFFINE, 6), "PAR": 16, "MULT_STYLE": "dsp"}),
    ("gap", {**AIRU, **_bits(POOL, 8), "PAR": 1, "MULT_STYLE": "dsp"}),
    ("gap", {**AIRU, **_bits(POOL, 4), "PAR": 16, "MULT_STYLE": "lut"}),
    ("gap", {**AIRU, **_bits(POOL, 6), "PAR": 3, "MULT_STYLE": "dsp"}),
    ("attention", {**AIRU, **_bits(ATTENTION, 8), "HEADS": 1, "PROB_BITS": 8, "PAR": 16,
                   "MULT_STYLE": "dsp"}),
    ("attention", {**AIRU, **_bits(ATTENTION, 4), "HEADS": 2, "PROB_BITS": 6, "PAR": 1,
                   "MULT_STYLE": "lut"}),
    ("attention", {**AIRU, **_bits(ATTENTION, 6), "HEADS": 4, "PROB_BITS": 8, "PAR": 2,
                   "MULT_STYLE": "lut"}),
]  # fmt: skip


def _id(setting: tuple[str, dict[str, Generic]]) -> str:
    ip, shape = setting
    bits = max(int(v) for k, v in shape.items()
               if (k == "BITS" or k.endswith("_BITS")) and k != "PROB_BITS")  # fmt: skip
    return f"{ip}-b{bits}-par{shape['PAR']}-{shape['MULT_STYLE']}"


def _run(ip: str, shape: dict[str, Generic], lines: list[str] | None, tmp_path: Path,
         simulate: Simulate) -> subprocess.CompletedProcess[str]:  # fmt: skip
    case = CASES[ip](shape, 2, 11)
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("\n".join(lines if lines is not None else case.lines) + "\n")
    return simulate(f"resq:ip:{ip}", [f"--VECTORS={vectors}", *case.fusesoc_args()], tmp_path)


@pytest.mark.parametrize("setting", SETTINGS, ids=_id)
def test_ip_equals_the_integer_reference(
    tmp_path: Path, setting: tuple[str, dict[str, Generic]], simulate: Simulate
) -> None:
    ip, shape = setting
    done = _run(ip, shape, None, tmp_path, simulate)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "mismatches=0" in done.stdout and "PASSED" in done.stdout
    assert f"PAR={shape['PAR']} " in done.stdout
    assert f"MULT_STYLE={shape['MULT_STYLE']} " in done.stdout
    expected = ip_cycles(ip, CASES[ip](shape, 2, 11).generics)
    assert int(re.findall(r"cycles=(\d+)", done.stdout)[-1]) == expected


@pytest.mark.parametrize(("rows", "bits"), [(24, 4), (3, 6), (1, 8)])
def test_relu_equals_the_integer_reference(
    tmp_path: Path, rows: int, bits: int, simulate: Simulate
) -> None:
    """resq_relu has no multiplier and no PAR: a whole row per cycle, ROWS + 4 cycles."""
    shape: dict[str, Generic] = {"ROWS": rows, "FEATURES": 16, "BITS": bits}
    done = _run("relu", shape, None, tmp_path, simulate)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "mismatches=0" in done.stdout and f"BITS={bits} " in done.stdout
    assert f"cycles={rows + 4} " in done.stdout


@pytest.mark.parametrize(
    "ip",
    ["add", "batchnorm", "gap", "attention", "relu"],
)  # fmt: skip
def test_one_corrupted_output_fails_the_run(tmp_path: Path, ip: str, simulate: Simulate) -> None:
    shape = DEFAULT_SHAPES[ip]
    lines = list(CASES[ip](shape, 2, 11).lines)
    values = lines[-1].split()
    values[0] = str(int(values[0]) ^ 1)
    lines[-1] = " ".join(values)
    done = _run(ip, shape, lines, tmp_path, simulate)
    assert done.returncode != 0
    assert "MISMATCH sample 1 row" in done.stdout and "mismatches=1" in done.stdout


@pytest.mark.parametrize("ip", sorted(CASES))
def test_shipped_vectors_match_the_core_defaults(
    tmp_path: Path, ip: str, simulate: Simulate
) -> None:
    """`fusesoc run --target sim resq:ip:<ip>` with no options checks tb/vectors.txt: the sim
    target sets the shipped case's values (NAME=value) over the parameter defaults."""
    case = CASES[ip](DEFAULT_SHAPES[ip], 4, 0)
    core = YAML(typ="safe").load((CORES / ip / f"resq_{ip}.core").read_text())
    values = {name: p["default"] for name, p in core["parameters"].items() if name != "VECTORS"}
    for entry in core["targets"]["sim"]["parameters"]:
        name, _, value = str(entry).partition("=")
        if value:
            values[name] = YAML(typ="safe").load(value)
    assert values == case.generics
    assert (CORES / ip / "tb" / "vectors.txt").read_text() == case.text()
    done = simulate(f"resq:ip:{ip}", [], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout


def test_a_design_that_never_finishes_fails_within_the_watchdog(
    tmp_path: Path, fusesoc_tools: None
) -> None:
    command = ["fusesoc", "--cores-root", str(CORES), "run", "--build-root", str(tmp_path),
               "--target", "sim_hung", "resq:ip:tb_pkg", "--LIMIT=40"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-2000:]
    assert "resq_hung_tb: watchdog: no done within 40 cycles" in output, output[-2000:]
    assert "did not fire" not in output
