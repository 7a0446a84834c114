"""Input a hostile or careless user writes: each is refused with located lines, at once."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from resq.spec import SpecError, load_spec
from resq.spec.errors import ISSUE_LINE
from resq.spec.source import MAX_BYTES


def _refused(spec: Path) -> list[str]:
    with pytest.raises(SpecError) as raised:
        load_spec(spec)
    lines = str(raised.value).splitlines()
    assert lines and all(ISSUE_LINE.match(line) for line in lines), lines
    assert all("\x1b" not in line and "\x07" not in line for line in lines)
    return lines


def _write(project: Path, text: str, name: str = "p.yaml") -> Path:
    path = project / "specs" / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "said"), [
    ("a: &x [*x]\n", "anchors and aliases"),
    ("a: &a [x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
     "anchors and aliases"),
    ("extends: airu.yaml\nseed: " + "9" * 5000 + "\n", "a number of 5000 characters"),
    ("extends: airu.yaml\nx: " + "[" * 3000 + "]" * 3000 + "\n", "nested deeper than 64"),
    ("extends: airu.yaml\n" + "".join(f"k{i}: [{'1, ' * 99}1]\n" for i in range(1100)),
     "more than 100000 values"),
])  # fmt: skip
def test_yaml_that_would_recurse_or_explode_is_refused_where_it_starts(
    project: Path, text: str, said: str
) -> None:
    lines = _refused(_write(project, text))
    assert any(said in line for line in lines), lines
    assert not any(line.split(":")[1:3] == ["1", "1"] for line in lines) or said.startswith(
        "more"
    ), "located where the problem is, not at the file's start"


def test_what_is_not_a_small_regular_file_is_not_read(project: Path) -> None:
    fifo = project / "specs" / "fifo.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in _refused(fifo)[0]  # a read would block forever
    big = _write(project, "# " + "x" * MAX_BYTES + "\n", "big.yaml")
    assert "larger than 1024 KiB" in _refused(big)[0]
    assert "cannot read" in _refused(project / "specs" / ("a" * 300 + ".yaml"))[0]
    assert "not UTF-8" in _refused(project / "specs" / _bytes(project, b"name: \xff\n"))[0]


def _bytes(project: Path, raw: bytes) -> str:
    (project / "specs" / "latin.yaml").write_bytes(raw)
    return "latin.yaml"


def test_extends_stays_in_the_spec_folder_and_its_chains_are_bounded(project: Path) -> None:
    specs = project / "specs"
    (specs / "outside").symlink_to("/etc", target_is_directory=True)
    assert "outside" in _refused(_write(project, "extends: outside/hostname\n"))[0]
    (specs / "loop-a.yaml").symlink_to(specs / "loop-b.yaml")
    (specs / "loop-b.yaml").symlink_to(specs / "loop-a.yaml")
    assert "cannot resolve" in _refused(_write(project, "extends: loop-a.yaml\n"))[0]
    for i in range(40):
        parent = f"c{i + 1}.yaml" if i < 39 else "airu.yaml"
        _write(project, f"extends: {parent}\n", f"c{i}.yaml")
    assert "more than 16 specs extend one another" in _refused(specs / "c0.yaml")[0]


def test_echoed_keys_cannot_drive_the_terminal_or_forge_a_line(project: Path) -> None:
    spec = _write(project, 'extends: airu.yaml\n"k\\x1b]0;owned\\x07\\nfake: line": 1\n')
    lines = _refused(spec)
    assert len(lines) == 1 and "\\x1b]0;owned\\x07\\n" in lines[0]


@pytest.mark.parametrize(("text", "said"), [
    ("training: {epochs: true}", "training.epochs: Input should be a valid integer"),
    ('training: {epochs: "1"}', "training.epochs: Input should be a valid integer"),
    ("training: {lr: .inf}", "training.lr"),
    ("training: {lr: .nan}", "training.lr"),
    ("budget: {lut: {value: 500, percent: true}}", "500% is over 100% of the board"),
    ("budget: {lut: .inf}", "expected a finite number"),
    ("budget: {lut: {value: .nan}}", "budget.lut.value"),
    ("deploy: {targets: []}", "deploy.targets: List should have at least 1 item"),
    ("name: " + "a" * 49, "name: String should have at most 48 characters"),
    ("deploy: {vivado: {stop_after: bitstream}}",
     "deploy.vivado.stop_after: bitstream needs the board's pin constraints"),
    ("deploy: {vivado: {part: xc7s15}}", "deploy.vivado.part: 'xc7s15' does not match the allowed pattern"),
])  # fmt: skip
def test_values_that_used_to_pass_are_refused(project: Path, text: str, said: str) -> None:
    lines = _refused(_write(project, f"extends: airu.yaml\n{text}\n"))
    assert any(said in line for line in lines), lines


@pytest.mark.parametrize("value", ["0", ".inf"])
def test_a_board_offers_a_finite_number_of_each_resource(project: Path, value: str) -> None:
    board = project / "boards" / "elasticnode-v5.yaml"
    text = board.read_text(encoding="utf-8")
    board.write_text(re.sub(r"(?m)^(\s+lut:)\s*\d+", rf"\1 {value}", text), encoding="utf-8")
    lines = _refused(project / "specs" / "airu.yaml")
    assert any("capacity: lut is" in line and "elasticnode-v5.yaml" in line for line in lines)


def test_a_huge_hex_integer_is_refused_by_its_size_not_a_traceback(project: Path) -> None:
    """5,000 hex digits are 20,000 bits: past Python's int-to-string limit."""
    lines = _refused(_write(project, "extends: airu.yaml\nseed: 0x" + "f" * 5000 + "\n"))
    assert any(":2:1: seed: " in line and "an integer of 20000 bits" in line for line in lines)


def test_an_extends_name_longer_than_the_file_system_allows_is_located(project: Path) -> None:
    lines = _refused(_write(project, "extends: " + "a" * 300 + ".yaml\nname: p\n"))
    assert len(lines) == 1 and ":1:1: extends: cannot read" in lines[0]
    assert "File name too long" in lines[0]
