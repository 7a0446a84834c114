"""The knowledge-database file: keys, journal, staleness, refusal of other toolchains."""

from __future__ import annotations

from pathlib import Path

import pytest
from resq.estimator.kdb import (
    KdbEntry,
    KdbError,
    ProfilePoint,
    Toolchain,
    append_journal,
    kdb_name,
    load_kdb,
    save_kdb,
)
from resq.spec import Resources

YOSYS = Toolchain(route="yosys", versions={"yosys": "0.23", "ghdl": "2.0.0"})


def _entry(depth: int, lut: float, digest: str = "aaaa") -> KdbEntry:
    point = ProfilePoint(block="buffer", generics={"DEPTH": depth, "WIDTH": 8,
                                                   "RAM_STYLE": "block"})  # fmt: skip
    return KdbEntry(point=point, resources=Resources(lut=lut), source_digest=digest, seconds=1.0)


def test_a_point_key_ignores_generic_order_and_tells_values_apart() -> None:
    a = ProfilePoint(block="rom", generics={"DEPTH": 4, "WIDTH": 8})
    b = ProfilePoint(block="rom", generics={"WIDTH": 8, "DEPTH": 4})
    assert a.key() == b.key()
    assert a.key() != ProfilePoint(block="rom", generics={"DEPTH": 4, "WIDTH": 9}).key()
    assert a.key() != ProfilePoint(block="buffer", generics={"DEPTH": 4, "WIDTH": 8}).key()


def test_the_file_is_named_by_family_and_toolchain() -> None:
    assert kdb_name("xc7", YOSYS) == "xc7-yosys-ghdl-2.0.0-yosys-0.23.json"


def test_journal_lines_survive_a_kill_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / kdb_name("xc7", YOSYS)
    append_journal(path, _entry(4, 10))
    append_journal(path, _entry(8, 20))
    journal = path.with_name(path.name + ".journal")
    with journal.open("a") as handle:
        handle.write('{"point": {"block": "buf')  # the line being written when killed
    kdb = load_kdb(path, "xc7", YOSYS)
    assert sorted(e.resources.lut for e in kdb.entries.values()) == [10, 20]
    save_kdb(path, kdb)
    assert not journal.exists()
    again = load_kdb(path, "xc7", YOSYS)
    assert again.entries == kdb.entries


def test_missing_points_are_new_or_measured_on_other_sources(tmp_path: Path) -> None:
    kdb = load_kdb(tmp_path / "k.json", "xc7", YOSYS)
    kdb.add(_entry(4, 10, digest="old"))
    kdb.add(_entry(8, 20, digest="new"))
    points = [_entry(d, 0).point for d in (4, 8, 16, 16)]
    missing = kdb.missing(points, {"buffer": "new"})
    assert [p.generics["DEPTH"] for p in missing] == [4, 16]
    assert [e.point.generics["DEPTH"] for e in kdb.stale({"buffer": "new"})] == [4]
    assert kdb.lookup(points[1], "new") is not None and kdb.lookup(points[0], "new") is None


def test_a_database_of_another_toolchain_or_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    kdb = load_kdb(path, "xc7", YOSYS)
    kdb.add(_entry(4, 10))
    save_kdb(path, kdb)
    newer = Toolchain(route="yosys", versions={"yosys": "0.40", "ghdl": "2.0.0"})
    with pytest.raises(KdbError, match=r"measured with yosys-ghdl-2\.0\.0-yosys-0\.23"):
        load_kdb(path, "xc7", newer)
    path.write_text(path.read_text().replace('"format": 1', '"format": 9'))
    with pytest.raises(KdbError, match="format 9"):
        load_kdb(path, "xc7", YOSYS)
    path.write_text("not json")
    with pytest.raises(KdbError, match="not a resq knowledge base"):
        load_kdb(path, "xc7", YOSYS)
