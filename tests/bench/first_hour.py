"""Benchmark: a newcomer's two commands on a fresh clone, timed.

Clones this checkout (its committed HEAD) into a new folder, with no `.nox` of its own, and
runs the README's two commands there, each as a whole process: `nox -s run -- SPEC` (set-up
and the main job) and `nox -s tests` (set-up and the test suite), then `nox -s run -- SPEC`
once more with nothing changed (no reinstall, every stage cached). Rows: the command, its
wall seconds, its exit code, and for a run the report's path and the deployed model's line.
A run row has no RESQ_DATA_HOME (the station shipped with resq, as on a newcomer's machine);
the tests row has CI=true and the shared data beside this checkout. The clone and the logs
are in `--work`; the JSON is rewritten after every row; `--resume` keeps the rows already
measured (and the clone, so a resumed row reuses what earlier rows installed).

    python tests/bench/first_hour.py [--spec specs/beijing-o3.yaml] [--rows run,tests,again]
        [--out DIR] [--work DIR] [--resume]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
ROWS = {"run": ["nox", "-s", "run", "--"], "tests": ["nox", "-s", "tests"],
        "again": ["nox", "-s", "run", "--"]}  # fmt: skip
"""Row name → the README command it times (`run` and `again` take the spec)."""


def _environment(row: str) -> dict[str, str]:
    """A run as a newcomer's: no RESQ_DATA_HOME (the shipped station); the tests as CI's,
    with the shared data beside this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("RESQ_DATA_HOME", "CI")}
    shared = REPO.parent / "shared" / "datasets"
    if row == "tests":
        env |= {"CI": "true", **({"RESQ_DATA_HOME": str(shared)} if shared.is_dir() else {})}
    return env


def _measure(clone: Path, row: str, spec: str, logs: Path) -> dict[str, Any]:
    command = [*ROWS[row], *([spec] if row != "tests" else [])]
    began = time.perf_counter()
    with open(logs / f"{row}.log", "w", encoding="utf-8") as log:
        done = subprocess.run(command, cwd=clone, stdout=log, stderr=subprocess.STDOUT,
                              env=_environment(row))  # fmt: skip
    seconds = time.perf_counter() - began
    text = (logs / f"{row}.log").read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    found = {"report": next((ln for ln in lines if ln.startswith("report: ")), ""),
             "deployed": next((ln for ln in lines if ln.startswith("deployed model: ")), ""),
             "tests": next((ln for ln in reversed(lines) if " passed" in ln), "")}  # fmt: skip
    reinstalls = sum("python -m pip install" in ln for ln in lines)
    return {"row": row, "command": " ".join(command), "seconds": round(seconds, 1),
            "exit": done.returncode, "pip_installs": reinstalls, **found}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="specs/beijing-o3.yaml")
    parser.add_argument("--rows", default="run,tests,again")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "bench" / "results" /
                        "first_hour")  # fmt: skip
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) /
                        "resq-first-hour")  # fmt: skip
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    out: Path = args.out
    work: Path = args.work
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    results = out / "first_hour.json"
    clone = work / "clone"
    kept: dict[str, Any] = json.loads(results.read_text()) if args.resume and results.is_file() \
        else {"rows": []}  # fmt: skip
    if not (args.resume and clone.is_dir()):
        subprocess.run(["rm", "-rf", str(clone)], check=True)
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    kept["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, text=True,
                                    capture_output=True, check=True).stdout.strip()  # fmt: skip
    kept["cpus"] = os.cpu_count()
    done = {row["row"] for row in kept["rows"]}
    for row in args.rows.split(","):
        if row in done:
            continue
        kept["rows"].append(_measure(clone, row, args.spec, work))
        (out / "first_hour.json").write_text(json.dumps(kept, indent=2) + "\n")
    table = Table(title=f"the README's commands on a fresh clone ({kept['cpus']} CPUs, "
                        f"{kept['commit'][:10]})")  # fmt: skip
    for column in ("command", "wall s", "exit", "pip installs", "result"):
        table.add_column(column)
    for row in kept["rows"]:
        result = row["tests"] if row["row"] == "tests" else f"{row['deployed']} {row['report']}"
        table.add_row(row["command"], f"{row['seconds']:,.0f}", str(row["exit"]),
                      str(row["pip_installs"]), result)  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    main()
