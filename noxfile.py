"""Developer sessions: tests, lint, typecheck, bench, run. `nox -s tests` is the CI entry."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
TORCH = "torch==2.13.0"
TEST_DEPS = ["pytest", "hypothesis", "jsonschema", "fusesoc==2.4.7", "edalize==0.6.8"]
ORDER = ("spec", "qat", "hdlgen", "deploy", "estimator", "optimizer")
"""The packages in dependency order: each depends only on packages before it."""


def packages() -> list[str]:
    """Every package directory, in dependency order (resq-spec first)."""
    return [name for name in ORDER if (ROOT / "packages" / name / "pyproject.toml").is_file()]


def install_all(session: nox.Session) -> None:
    """Install torch (the local CPU wheel) first, then every package in editable mode."""
    if any((ROOT / "packages" / name / "src/resq" / name).is_dir() for name in ("qat",)):
        session.install(TORCH)
    for name in packages():
        session.install("-e", f"packages/{name}")


def data_env() -> dict[str, str]:
    """RESQ_DATA_HOME defaults to ../shared/datasets when that folder exists."""
    shared = (ROOT.parent / "shared" / "datasets").resolve()
    default = str(shared) if shared.is_dir() else ""
    home = os.environ.get("RESQ_DATA_HOME", default)
    return {"RESQ_DATA_HOME": home} if home else {}


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, integration and end-to-end tests of every package."""
    install_all(session)
    session.install(*TEST_DEPS)
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
    """Set everything up and run a spec: `nox -s run -- specs/beijing-o3.yaml`."""
    install_all(session)
    session.run("spec", "run", *(session.posargs or ["specs/beijing-o3.yaml"]), env=data_env())
