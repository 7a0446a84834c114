"""Running one target of a FuseSoC core in a scratch build folder."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from resq.deploy.route import Generic, ToolError
from resq.hdlgen.cores import fusesoc_command
from resq.spec.processes import ToolTimeoutError, run_group


def _image(value: Generic) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@contextmanager
def run_target(target: str, vlnv: str, roots: Sequence[Path], generics: Mapping[str, Generic],
               timeout_s: float, setup_only: bool = False) -> Iterator[Path]:  # fmt: skip
    """`fusesoc run --target TARGET VLNV --NAME=value…` with the core libraries `roots`
    (`setup_only`: write the tool's project files, run nothing); yields the build folder
    (removed afterwards). ToolError when FuseSoC or a tool fails or the run takes longer
    than `timeout_s` seconds."""
    with tempfile.TemporaryDirectory(prefix=f"resq-{target}-") as scratch:
        command = [*fusesoc_command(), *(a for root in roots for a in ("--cores-root", str(root))), "run",
                   *(["--setup"] if setup_only else []),
                   "--build-root", scratch, "--target", target, vlnv,
                   *(f"--{k}={_image(v)}" for k, v in generics.items())]  # fmt: skip
        try:
            done = run_group(command, Path(scratch), None, timeout_s)
        except ToolTimeoutError as e:
            raise ToolError(f"{vlnv}: the {target} target did not finish in {timeout_s:g} s") from e
        if done.returncode != 0:
            raise ToolError(f"{vlnv}: the {target} target failed:\n{done.output[-3000:]}")
        yield Path(scratch)
