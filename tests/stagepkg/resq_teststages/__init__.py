"""Two small stages for the runner tests: each records that it ran, and can fail on demand.

`RESQ_TEST_FAIL=<stage>` makes that stage write half its artifact, save a checkpoint in its
scratch directory, and raise.
"""

from __future__ import annotations

import json
import os
from typing import Any

from resq.spec.stage import Stage, StageContext


def _record_call(context: StageContext, name: str) -> None:
    with open(context.run_dir.parent / "calls.txt", "a", encoding="utf-8") as handle:
        handle.write(name + "\n")


class Train(Stage):
    name = "train"
    sections = ("dataset", "model", "training", "quantization", "seed")

    def run(self, context: StageContext) -> dict[str, Any]:
        _record_call(context, self.name)
        epochs = context.loaded.spec.training.epochs
        (context.out_dir / "weights.json").write_text(json.dumps({"epochs": epochs}))
        return {"epochs": epochs, "rmse": 1.5}


class Sensitivity(Stage):
    name = "sensitivity"
    inputs = ("train",)
    sections = ("search",)

    def run(self, context: StageContext) -> dict[str, Any]:
        _record_call(context, self.name)
        checkpoint = context.scratch_dir / "checkpoint.json"
        resumed = checkpoint.is_file()
        weights = json.loads((context.inputs["train"] / "weights.json").read_text())
        (context.out_dir / "part1.json").write_text(json.dumps(weights))
        if os.environ.get("RESQ_TEST_FAIL") == self.name:
            checkpoint.write_text("{}")
            raise RuntimeError("injected failure halfway")
        (context.out_dir / "part2.json").write_text("{}")
        return {"resumed": resumed}
