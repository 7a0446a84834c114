"""The `estimate` stage of `spec run`: the deployed design's resources, node by node, from
the knowledge base, before any synthesis.

Artifact: `estimate.json` (the whole `Estimate`: nodes, total, fit against the budget) and
`node_estimates.json` (`resq.spec.resources.NodeEstimates`, what the report reads). Without
a knowledge base for the board's family the artifact says why and the stage still succeeds:
an estimate is context for the report, not a gate.
"""

from __future__ import annotations

from typing import Any

from resq.deploy.yosys import synth_family
from resq.estimator.estimate import Estimator
from resq.estimator.kdb import find_kdb, kdb_digest, kdb_home, read_kdb
from resq.hdlgen.cores import cores_digest, cores_root
from resq.hdlgen.stage import CONFIG_FILE
from resq.spec import BitConfig, ResqError
from resq.spec.atomic import write_json_atomic
from resq.spec.resources import NODE_ESTIMATES_FILE, NodeEstimates
from resq.spec.stage import Stage, StageContext, distribution_version

ESTIMATE_FILE = "estimate.json"


class EstimateStage(Stage):
    """Estimate the generated design (its BitConfig and hardware choices) from the
    knowledge base of the board's family."""

    name = "estimate"
    inputs = ("generate",)
    sections = ("model", "hardware", "board", "budget")

    def versions(self) -> dict[str, str]:
        return {"resq-estimator": distribution_version("resq-estimator"), "kdb": kdb_digest(),
                "cores": cores_digest(cores_root())}  # fmt: skip

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        config = BitConfig.model_validate_json(
            (context.inputs["generate"] / CONFIG_FILE).read_bytes()
        )
        try:
            path = find_kdb(kdb_home(), synth_family(loaded.board.family))
            estimate = Estimator(read_kdb(path), cores_root()).estimate(loaded, config)
        except ResqError as e:
            nodes = NodeEstimates(source=f"no estimate: {e}")
            write_json_atomic(context.out_dir / NODE_ESTIMATES_FILE, nodes.model_dump(mode="json"))
            return {"estimated": False}
        write_json_atomic(context.out_dir / ESTIMATE_FILE, estimate.model_dump(mode="json"))
        nodes = NodeEstimates(source=f"resq-estimator ({path.name})",
                              nodes={n.node: n.resources for n in estimate.nodes})  # fmt: skip
        write_json_atomic(context.out_dir / NODE_ESTIMATES_FILE, nodes.model_dump(mode="json"))
        return {"estimated": True, "lut": estimate.total.lut, "dsp": estimate.total.dsp,
                "bram36": estimate.total.bram36, "fits": estimate.fits}  # fmt: skip
