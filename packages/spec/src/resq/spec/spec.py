"""`Spec`: the whole resolved spec, and `LoadedSpec`: a spec with its board and manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from resq.spec.base import SpecModel
from resq.spec.bitconfig import BitConfig
from resq.spec.board import Board
from resq.spec.budget import BudgetSpec
from resq.spec.dataset import DatasetSpec
from resq.spec.deploy import DeploySpec
from resq.spec.hardware import HardwareSpec
from resq.spec.manifest import DatasetManifest
from resq.spec.model import ModelSpec
from resq.spec.names import Name, SpecName
from resq.spec.quantization import QuantizationSpec
from resq.spec.resources import Resources
from resq.spec.search import SearchSpec
from resq.spec.training import TrainingSpec

SECTIONS: tuple[str, ...] = (
    "name",
    "description",
    "seed",
    "dataset",
    "model",
    "training",
    "quantization",
    "board",
    "budget",
    "hardware",
    "search",
    "deploy",
)


class Spec(SpecModel):
    """One resq job: data, model, training, quantization policy, board, budget, search, build.

    A spec file may start with `extends: parent.yaml`; the loader merges the parent (the
    child wins key by key) before this model validates the result.
    """

    name: SpecName = Field(
        description="job name; names the run directory and the generated core (≤ 48 characters)"
    )
    description: str = Field("", description="free text")
    seed: int = Field(0, ge=0, lt=2**32, description="seed of every random choice")
    dataset: DatasetSpec
    model: ModelSpec
    training: TrainingSpec = Field(default_factory=TrainingSpec)
    quantization: QuantizationSpec = Field(default_factory=QuantizationSpec)
    board: Name = Field(description="name of boards/<board>.yaml")
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    hardware: HardwareSpec = Field(default_factory=HardwareSpec)
    search: SearchSpec = Field(default_factory=SearchSpec)
    deploy: DeploySpec = Field(default_factory=DeploySpec)


class LoadedSpec(SpecModel):
    """A validated spec together with the files it refers to."""

    path: Path = Field(description="the spec file")
    root: Path = Field(description="the project directory holding boards/ and datasets/")
    spec: Spec
    board: Board
    manifest: DatasetManifest | None = None
    config: BitConfig | None = Field(
        None, description="a BitConfig given with `spec run --config`, instead of the spec's"
    )

    def search_skipped(self) -> str | None:
        """None when the search chooses this run's hardware (a hardware field is `search`
        and no `--config` replaces the spec's configuration), else why not."""
        if self.config is not None:
            return "a BitConfig file (--config) is built as it is"
        if not self.spec.hardware.searched():
            return "no hardware field is `search` in the spec"
        return None

    def bit_config(self) -> BitConfig:
        """The one configuration of this run: `config` when given, else what the spec states."""
        return self.config if self.config is not None else BitConfig.from_spec(self.spec)

    @property
    def clock_mhz(self) -> float:
        """Accelerator clock, MHz: the spec's hardware.clock_mhz, else the board's."""
        return self.spec.hardware.clock_mhz or self.board.clock_mhz

    def limits(self) -> Resources:
        """The budget in units of the board (cycles from latency_cycles or latency_us)."""
        return self.spec.budget.limits(self.board, self.clock_mhz)

    def section(self, name: str) -> Any:
        """JSON-compatible value of a top-level section; `board` gives the board's content,
        `config` the run's BitConfig and `bits` its bits and schemes alone, `manifest` the
        dataset manifest without where embedded copies are."""
        if name == "board":
            return self.board.model_dump(mode="json")
        if name == "bits":
            return self.bit_config().bits_only()
        if name == "config":
            return self.bit_config().model_dump(mode="json")
        if name == "manifest":  # where a copy of a file lives is not its content (sha256)
            return None if self.manifest is None else self.manifest.model_dump(
                mode="json", exclude={"files": {"__all__": {"embedded"}}})  # fmt: skip
        if name not in SECTIONS:
            raise KeyError(f"unknown spec section {name!r}; sections: {', '.join(SECTIONS)}")
        return self.spec.model_dump(mode="json")[name]
