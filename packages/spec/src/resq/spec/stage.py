"""`Stage`: one step of `spec run`, found through the entry-point group `resq.stages`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from resq.spec.errors import StageError
from resq.spec.spec import LoadedSpec
from resq.spec.tools import Tool

ENTRY_POINT_GROUP = "resq.stages"

HEADLINE = "headline"
"""A key of a stage's summary: lines `spec run` prints last, after its table (the deployed
model's figures)."""

LATEST = "latest"
"""A key of a stage's summary: files of its artifact that the runner links into the run
directory, so that e.g. `runs/<name>/report.html` is always the latest report."""

CHOSEN = "chosen"
"""The folder of the candidates artifact with the chosen configuration: `config.json` (its
BitConfig) and its IntModel (`intmodel.json`, `intmodel.npz`), which generate builds."""


def distribution_version(distribution: str) -> str:
    """The installed version of a distribution, `unknown` when it is not installed; for
    `Stage.versions`."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class StageContext:
    """What a stage gets when it runs.

    `out_dir` is empty and private to this attempt: everything the stage writes there
    becomes its artifact when `run` returns, and is discarded if it raises. `scratch_dir`
    survives a failed or interrupted attempt (checkpoints to resume from) and is removed
    once the stage succeeds. `inputs` maps each declared upstream stage to its artifact.
    """

    loaded: LoadedSpec
    run_dir: Path
    out_dir: Path
    scratch_dir: Path
    inputs: Mapping[str, Path]


class Stage(ABC):
    """Base class of a stage; register a subclass under the `resq.stages` entry-point group.

    `inputs` names the upstream stages whose artifacts it reads; `sections` names the spec
    sections (and `board`, `manifest`) its result depends on. Together with `versions()`
    they make the cache key of the stage's artifact.
    """

    name: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]] = ()
    optional_inputs: ClassVar[tuple[str, ...]] = ()
    """Upstream stages whose artifacts it reads when they are installed and apply (e.g. the
    report and the estimate of resq-estimator): named, never imported."""
    after: ClassVar[tuple[str, ...]] = ()
    """Stages this one runs after when they are installed, besides its `inputs`: where it
    sits in `spec run` (resq-spec keeps no list of stage names)."""
    sections: ClassVar[tuple[str, ...]] = ()
    tools: ClassVar[tuple[Tool, ...]] = ()
    """Every external tool the stage may run (resq.spec.tools)."""
    provider: str = "unregistered"

    def versions(self) -> dict[str, str]:
        """Versions of the code and tools that shape the artifact (part of the cache key)."""
        return {"provider": self.provider}

    def upstream(self, loaded: LoadedSpec) -> tuple[str, ...]:
        """The stages whose artifacts this one reads for `loaded` (default: `inputs`)."""
        return self.inputs

    def required_tools(self, loaded: LoadedSpec) -> tuple[Tool, ...]:
        """The tools this stage runs for `loaded` (default: all of `tools`); `spec run`
        checks them before its first stage, also those of a cached stage, whose cache key
        holds the tools' versions."""
        return self.tools

    def preflight(self, loaded: LoadedSpec) -> str | None:
        """None when nothing is known to stop this stage, else why it cannot run (checked
        for every stage of a run before the first one starts, e.g. a data file that is
        absent and cannot be downloaded)."""
        return None

    def applies(self, loaded: LoadedSpec) -> str | None:
        """None when this stage has work to do for `loaded`, else why not (a stage that
        does not apply is left out of a run that does not name it)."""
        return None

    @abstractmethod
    def run(self, context: StageContext) -> dict[str, Any]:
        """Produce the artifact in `context.out_dir`; return headline figures for summary.json."""


def stage_order(stages: Mapping[str, Stage]) -> list[str]:
    """The installed stages in the order `spec run` runs them: each after its `inputs`,
    `optional_inputs` and `after` that are installed; among stages free to run, by name. StageError names a
    cycle."""
    before = {name: {b for b in (*stage.inputs, *stage.optional_inputs, *stage.after)
                     if b in stages and b != name}
              for name, stage in stages.items()}  # fmt: skip
    ordered: list[str] = []
    while before:
        ready = sorted(name for name, waits in before.items() if not waits)
        if not ready:
            raise StageError(f"the stages {', '.join(sorted(before))} wait on each other "
                             "(their inputs and `after` make a cycle)")  # fmt: skip
        ordered.append(ready[0])
        del before[ready[0]]
        for waits in before.values():
            waits.discard(ready[0])
    return ordered
