"""The `quantization` section: default bits and scheme, per-component overrides, search set."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from resq.spec.base import SpecModel, distinct
from resq.spec.components import ComponentName, Scheme

Bits = Annotated[int, Field(ge=2, le=16, description="bit width, 2..16")]

Range = Literal["minmax", "ema", "mse", "lsq"]


class ComponentQuantization(SpecModel):
    """Overrides for one component; a field left out takes the section's default."""

    inputs: Bits | None = Field(None, description="bits of the component's input activations")
    weights: Bits | None = Field(None, description="bits of weights (or tables, BN parameters)")
    outputs: Bits | None = Field(None, description="bits of the component's output activations")
    scheme: Scheme | None = None


class QuantizationSpec(SpecModel):
    """Integer quantization policy; biases are integers at scale s_x·s_w with zero point 0."""

    default_bits: Bits = Field(8, description="bits of every object not overridden")
    scheme: Scheme = Field("symmetric", description="default scheme of every object")
    adaptive_threshold: float = Field(
        0.1,
        ge=0,
        le=1,
        description="adaptive: symmetric when |max+min|/(max−min) ≤ threshold, else asymmetric",
    )
    range: Range = Field(
        "lsq",
        description="quantization ranges: running min/max of activations over every training "
        "batch (minmax), an exponential moving average of each batch's min and max (ema), the "
        "range of least quantization error over a histogram of every value seen (mse), or "
        "learned in QAT with the LSQ gradient from the mse range of activations and weights "
        "(lsq); weights follow their latest min and max except under lsq",
    )
    ema_momentum: float = Field(
        0.01, gt=0, le=1, description="ema: weight of each new batch's min and max"
    )
    softmax_bits: Bits = Field(
        8,
        description="bits of the softmax probabilities inside MHA (unsigned); below 6 the "
        "integer softmax alone costs accuracy (tests/bench/softmax_budget.py)",
    )
    components: dict[ComponentName, ComponentQuantization] = Field(
        default_factory=dict, description="overrides by component name"
    )
    candidate_bits: list[Bits] = Field(
        default_factory=lambda: [4, 6, 8], min_length=1, description="bit widths the search may use"
    )

    @field_validator("candidate_bits")
    @classmethod
    def _distinct_sorted(cls, value: list[int]) -> list[int]:
        return sorted(distinct(value))
