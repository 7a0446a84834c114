"""Developer sessions: tests, lint, typecheck, bench, run. `nox -s tests` is the CI entry."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
TORCH = ["torch==2.13.0", "--extra-index-url", "https://download.pytorch.org/whl/cpu"]
"""torch's CPU build from the PyTorch wheel index (a local wheel of the same version serves
where one is configured); from PyPI alone pip would take a CUDA build of several GB."""
TEST_DEPS = ["pytest", "hypothesis", "jsonschema", "fusesoc==2.4.7", "edalize==0.6.8"]
TEST_TOOLS = ["--extra", "chromium", "--extra", "tclsh=tcl"]
"""System tools only the tests use: Chromium renders the report, tclsh runs Vivado's Tcl."""
ORDER = ("spec", "qat", "hdlgen", "deploy", "estimator", "optimizer")
"""The packages in dependency order: each depends only on packages before it."""


def packages() -> list[str]:
    """Every package directory, in dependency order (resq-spec first)."""
    return [name for name in ORDER if (ROOT / "packages" / name / "pyproject.toml").is_file()]


def install_all(session: nox.Session, *extra: str) -> None:
    """Install torch (CPU build) first, then every package in editable mode and `extra`;
    nothing when the session's environment already has them (the same packages' metadata,
    the same requirements): a second run spends no time reinstalling."""
    groups = [TORCH, *(["-e", f"packages/{name}"] for name in packages())]
    if extra:
        groups.append(list(extra))
    digest = hashlib.sha256(repr(groups).encode())
    for name in packages():
        digest.update((ROOT / "packages" / name / "pyproject.toml").read_bytes())
    stamp = Path(session.virtualenv.location) / ".resq-installed"
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        session.log("packages up to date: nothing to install")
        return
    for group in groups:
        session.install(*group)
    stamp.write_text(digest.hexdigest())


def system_tools(session: nox.Session, *args: str) -> None:
    """The system tools (GHDL, Yosys, Verilator, …) that `spec tools ARGS` names: as root,
    the missing ones installed with apt-get; otherwise, when one is missing, stop here with
    the one command that installs them all."""
    session.run("spec", "tools", "--install", *args, env=data_env())


def data_env() -> dict[str, str]:
    """RESQ_DATA_HOME defaults to ../shared/datasets when that folder exists."""
    shared = (ROOT.parent / "shared" / "datasets").resolve()
    default = str(shared) if shared.is_dir() else ""
    home = os.environ.get("RESQ_DATA_HOME", default)
    return {"RESQ_DATA_HOME": home} if home else {}


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, integration and end-to-end tests of every package, with every tool they use."""
    install_all(session, *TEST_DEPS)
    system_tools(session, "--all", *TEST_TOOLS)
    session.run("pytest", *session.posargs, env=data_env())


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package sources."""
    install_all(session)
    session.install("mypy")
    session.run("mypy", *[f"packages/{name}/src" for name in packages()])


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark under tests/bench/ (each prints a table and writes JSON)."""
    install_all(session)
    for script in sorted((ROOT / "tests" / "bench").glob("*.py")):
        session.run("python", str(script), *session.posargs, env=data_env())


@nox.session
def run(session: nox.Session) -> None:
    """Set everything up and run a spec: `nox -s run -- specs/beijing-o3.yaml [--stages …]`;
    the system tools are those that run needs."""
    install_all(session)
    args = session.posargs or ["specs/beijing-o3.yaml"]
    stages = args[args.index("--stages") : args.index("--stages") + 2] if "--stages" in args else []
    system_tools(session, args[0], *stages)
    session.run("spec", "run", *args, env=data_env())
