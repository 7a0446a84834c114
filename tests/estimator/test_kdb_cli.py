"""`spec kdb` on the command line, and the source digests that make entries stale."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from resq.hdlgen.cores import ip_digest
from resq.hdlgen.mapping import HdlgenError

REPO = Path(__file__).resolve().parents[2]


def test_an_ip_digest_follows_its_rtl_and_dependencies_only(tmp_path: Path) -> None:
    cores = tmp_path / "cores"
    shutil.copytree(REPO / "cores", cores)
    before = {ip: ip_digest(cores, ip) for ip in ("linear", "add", "rom")}
    with (cores / "linear" / "tb" / "resq_linear_tb.vhd").open("a") as handle:
        handle.write("-- a testbench comment\n")
    assert ip_digest(cores, "linear") == before["linear"]
    with (cores / "add" / "rtl" / "resq_add.vhd").open("a") as handle:
        handle.write("-- an add comment\n")
    assert ip_digest(cores, "linear") == before["linear"]
    assert ip_digest(cores, "add") != before["add"]
    with (cores / "resq_pkg" / "rtl" / "resq_pkg.vhd").open("a") as handle:
        handle.write("-- a package comment\n")
    assert ip_digest(cores, "linear") != before["linear"]
    assert ip_digest(cores, "rom") == before["rom"]  # resq_rom does not use resq_pkg
    with pytest.raises(HdlgenError, match="no IP 'fft'"):
        ip_digest(cores, "fft")


def _spec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["spec", *args], capture_output=True, text=True, timeout=300,
                          cwd=REPO)  # fmt: skip


def test_kdb_show_reports_coverage_of_an_empty_database(tmp_path: Path) -> None:
    shown = _spec("kdb", "show", "specs/airu.yaml", "--out", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    said = " ".join(shown.stdout.split())  # the title wraps at the console's width
    assert "xc7, yosys-ghdl-" in said and ": 0 of 771 grid points measured" in said, said


def test_kdb_build_refuses_an_unknown_board_and_a_bad_spec(tmp_path: Path) -> None:
    refused = _spec("kdb", "build", "specs/airu.yaml", "--board", "elasticnode-v9",
                    "--out", str(tmp_path))  # fmt: skip
    assert refused.returncode == 2
    assert "'elasticnode-v9'; boards: arty-a7-35t" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "specs" / "airu.yaml").read_text().replace("d_model: 16",
                                                                      "d_model: -3"))  # fmt: skip
    failed = _spec("kdb", "build", str(bad), "--out", str(tmp_path))
    assert failed.returncode == 2 and "model.d_model" in failed.stderr, failed.stderr
    assert not list(tmp_path.glob("*.json"))
