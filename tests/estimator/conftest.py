"""Shared helpers of the estimator tests: a knowledge base made up for a configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from resq.estimator.kdb import KdbEntry, KnowledgeBase, Toolchain
from resq.estimator.profile import buffer_point, input_buffer_point, ip_points, model_blocks
from resq.hdlgen.cores import ip_digest
from resq.spec import BitConfig, Resources, load_spec

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
YOSYS = Toolchain(route="yosys", versions={"yosys": "test", "ghdl": "test"})


def _made_up_kdb(loaded_config: BitConfig, lut: float = 10.0) -> KnowledgeBase:
    """Every point of the spec's nodes built as `loaded_config`, each `lut` LUTs and 1 FF."""
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    kdb = KnowledgeBase(part_family="xc7", toolchain=YOSYS)
    for block in model_blocks(loaded.spec.model):
        choice = loaded_config.choice(block.node, block.component)
        points = ip_points(block, 24, block.bits(loaded_config), choice.parallelism,
                           choice.multiplier)  # fmt: skip
        points.append(buffer_point(block, 24, block.output_bits(loaded_config), choice.storage))
        if block.input_features:
            width = block.bits(loaded_config)["INPUT_BITS"]
            points.append(input_buffer_point(block, 24, width, choice.storage))
        for point in points:
            kdb.add(KdbEntry(point=point, resources=Resources(lut=lut, ff=1),
                             source_digest=ip_digest(CORES, point.block), seconds=1.0))  # fmt: skip
    return kdb


MadeUpKdb = Callable[..., KnowledgeBase]


@pytest.fixture
def made_up_kdb() -> MadeUpKdb:
    """`made_up_kdb(config, lut=10.0)`: a knowledge base holding every point of the airu
    model built as `config`, each `lut` LUTs and 1 FF, on the current IP sources."""
    return _made_up_kdb
