"""A stage that no resq package knows: it registers under the real group `resq.stages` and
says where it runs (`after`), as a third-party plugin would. Never installed; the tests put
this folder on PYTHONPATH."""

from __future__ import annotations

import json
from typing import Any

from resq.spec.stage import Stage, StageContext


class Audit(Stage):
    """Writes the spec's name to `audit.json`, right after training."""

    name = "audit"
    after = ("train",)
    sections = ("name",)

    def run(self, context: StageContext) -> dict[str, Any]:
        found = {"name": context.loaded.spec.name, "reads": sorted(context.inputs)}
        (context.out_dir / "audit.json").write_text(json.dumps(found))
        return {"audited": context.loaded.spec.name}
