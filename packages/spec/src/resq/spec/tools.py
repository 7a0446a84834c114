"""External tools a stage runs (GHDL, Yosys, Verilator, …): what each is, how to install it,
and one check before a run starts, so that a missing tool is one clear message naming every
missing tool and the command that installs them, never a traceback halfway through a run.

A stage declares the tools it may use (`Stage.tools`) and those a given spec needs
(`Stage.required_tools`); `spec run` checks them before its first stage, and `spec tools`
lists them and, as root, installs the missing ones with apt-get (Debian 12 package names).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from resq.spec.errors import ResqError
from resq.spec.processes import run_group

APT_TIMEOUT_S = 3600.0
"""Longest `apt-get update` or `apt-get install` may take, in seconds."""


VERSION_TIMEOUT_S = 120.0
"""Longest a tool's version probe may take, in seconds (Vivado's start is slow)."""


class Tool(BaseModel):
    """An external program resq runs, found on PATH: how to install it (a Debian 12 package,
    or a hint where none has it) and how to read its version, as data."""

    model_config = ConfigDict(frozen=True)

    executable: str = Field(pattern=r"^[A-Za-z0-9_.+-]+$", description="name looked up on PATH")
    debian: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9.+-]*$",
                               description="Debian 12 package")  # fmt: skip
    install_hint: str | None = Field(None, description="how to get it where no package has it")
    purpose: str = Field(description="what resq uses it for, a few words")
    optional: bool = Field(False, description="makes a stage faster; the stage runs without it")
    version_args: tuple[str, ...] = Field(("--version",), description="arguments that print "
                                          "the version")  # fmt: skip
    version_pattern: str = Field(
        r"\d+\.\d+(\.\d+)?", description="the version: its first match in that output"
    )

    @model_validator(mode="after")
    def _installable(self) -> Tool:
        if self.debian is None and self.install_hint is None:
            raise ValueError(f"{self.executable}: give a Debian package or an install hint")
        return self

    def found(self) -> bool:
        """True when the executable is on PATH."""
        return shutil.which(self.executable) is not None

    def version(self, timeout_s: float = VERSION_TIMEOUT_S) -> str:
        """The version (`version_pattern`'s first match in what `version_args` print), run in
        a guarded process group; ToolMissingError when it is not on PATH, ResqError when the
        probe fails or prints no version."""
        path = shutil.which(self.executable)
        if path is None:
            raise ToolMissingError(
                missing_message([self], f"reading the version of {self.executable}")
            )
        done = run_group([path, *self.version_args], Path.cwd(), None, timeout_s)
        found = re.search(self.version_pattern, done.output)
        if done.returncode != 0 or found is None:
            raise ResqError(f"cannot read the version of {self.executable} from "
                            f"{' '.join(self.version_args)}: {done.output[:200]!r}")  # fmt: skip
        return found.group(0)

    def version_or_missing(self) -> str:
        """`version`, or `missing` when the tool is not on PATH (a cache key's part)."""
        return self.version() if self.found() else "missing"


class ToolMissingError(ResqError):
    """Tools a run needs are not installed; the message names each and the install command."""


def unique(tools: Iterable[Tool]) -> list[Tool]:
    """`tools` without repeats (by executable), in first-seen order."""
    return list({tool.executable: tool for tool in tools}.values())


def missing(tools: Iterable[Tool]) -> list[Tool]:
    """The tools of `tools` that are not on PATH, once each, in order."""
    return [tool for tool in unique(tools) if not tool.found()]


def is_root() -> bool:
    """True when this process may install system packages (effective user id 0)."""
    return os.geteuid() == 0


def install_command(tools: Sequence[Tool], root: bool | None = None) -> str:
    """The one shell command that installs `tools` on Debian 12 (with sudo unless `root`),
    and the install hint of each that no package has."""
    packages = " ".join(dict.fromkeys(tool.debian for tool in tools if tool.debian))
    sudo = "" if (is_root() if root is None else root) else "sudo "
    hints = [f"{tool.executable}: {tool.install_hint}" for tool in tools if tool.debian is None]
    command = f"{sudo}apt-get update && {sudo}apt-get install -y {packages}" if packages else ""
    return "; ".join([*([command] if command else []), *hints])


def missing_message(tools: Sequence[Tool], what: str, root: bool | None = None) -> str:
    """`what` needs `tools`, which are missing: each with its purpose, then the command."""
    listed = "; ".join(f"{t.executable} ({t.purpose}{', optional' if t.optional else ''})"
                       for t in tools)  # fmt: skip
    return (f"{what} needs tools that are not installed: {listed}. Install them with: "
            f"{install_command(tools, root)}")  # fmt: skip


def require(tools: Iterable[Tool], what: str, root: bool | None = None) -> list[Tool]:
    """ToolMissingError when a required tool of `tools` is not on PATH, naming every missing
    one (optional ones too, so that the command installs them all); else the optional tools
    that are missing."""
    absent = missing(tools)
    if any(not tool.optional for tool in absent):
        raise ToolMissingError(missing_message(absent, what, root))
    return absent


def install(tools: Sequence[Tool], apt_get: str = "apt-get") -> None:
    """Install the Debian packages of `tools` (one `apt-get update`, then one `apt-get
    install`), as root; ToolMissingError with the output when apt-get fails or the tools are
    still not on PATH afterwards."""
    if not tools:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    packages = list(dict.fromkeys(tool.debian for tool in tools if tool.debian))
    if not packages:
        return
    for command in ([apt_get, "update", "-qq"], [apt_get, "install", "-y", "-qq", *packages]):
        done = run_group(command, Path.cwd(), env, APT_TIMEOUT_S)
        if done.returncode != 0:
            raise ToolMissingError(f"{' '.join(command)} failed (exit {done.returncode}):\n"
                                   f"{done.output[-3000:]}")  # fmt: skip
    still = missing(tool for tool in tools if tool.debian)
    if still:
        raise ToolMissingError(f"apt-get installed {' '.join(packages)}, but "
                               f"{', '.join(t.executable for t in still)} is still not on "
                               "PATH")  # fmt: skip


def ensure(
    tools: Sequence[Tool], install_missing: bool, root: bool | None = None, apt_get: str = "apt-get"
) -> list[Tool]:
    """Have `tools`: with `install_missing` and as root, install those not on PATH (optional
    ones too); then ToolMissingError for every required one still missing, with the one
    command that installs them all. Returns the optional tools still missing."""
    absent = missing(tools)
    if absent and install_missing and (is_root() if root is None else root):
        install(absent, apt_get)
    return require(tools, "this run", root)


GHDL = Tool(executable="ghdl", debian="ghdl", purpose="VHDL simulation and synthesis")
GHDL_LLVM = Tool(executable="ghdl-llvm", debian="ghdl-llvm", optional=True,
                 purpose="GHDL's compiled backend, several times faster")  # fmt: skip
VERILATOR = Tool(executable="verilator", debian="verilator",
                 purpose="simulation of the synthesized netlist on every test window")  # fmt: skip
MAKE = Tool(executable="make", debian="make", purpose="builds of the simulations")
CXX = Tool(executable="g++", debian="g++", purpose="C++ compiler of the Verilator model")
YOSYS = Tool(executable="yosys", debian="yosys", purpose="open-source synthesis",
             version_args=("-V",))  # fmt: skip
