"""The `search` section: how the optimizer finds the mixed-precision configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from resq.spec.base import SpecModel


class ObjectiveWeights(SpecModel):
    """Weights of the terms the search minimises (each term normalised to 0..1)."""

    sensitivity: float = Field(
        1.0, ge=0, le=1e6, description="accuracy loss predicted by sensitivity"
    )
    bits: float = Field(0.0, ge=0, le=1e6, description="mean bit width (prefers narrower models)")
    latency: float = Field(0.0, ge=0, le=1e6, description="cycles per inference")
    area: float = Field(0.0, ge=0, le=1e6, description="largest fraction of any budgeted resource")


class SearchSpec(SpecModel):
    """Search over candidate bit widths and hardware choices under the budget."""

    method: Literal["filter", "ilp", "exhaustive"] = Field(
        "ilp", description="score-based filter (paper 000), ILP (paper 002), or exhaustive"
    )
    top_k: int = Field(5, ge=1, le=1000, description="configurations kept and ranked")
    sensitivity: Literal["ablation", "mask_kl", "none"] = Field(
        "ablation", description="how each component's sensitivity to fewer bits is measured"
    )
    objective: ObjectiveWeights = Field(default_factory=ObjectiveWeights)
