"""The `model` section: a discriminated union on `kind` (only `transformer` is built today)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator
from resq.spec.base import SpecModel

FILLED = ("ffn_dim", "n_features", "window")
"""Fields a file may leave out: ffn_dim defaults to 4·d_model; n_features and window follow
the dataset (the loader fills them from dataset.features and dataset.window)."""


def _ffn_dim_optional(schema: dict[str, Any]) -> None:
    """The FILLED fields are not required in a file."""
    schema["required"] = [name for name in schema.get("required", []) if name not in FILLED]


class TransformerModel(SpecModel):
    """Integer-only encoder Transformer for time-series regression (seed-facts.md).

    Linput → AddPE → [MHA → AddMHA → BNMHA → FFN → AddFFN → BNFFN] × n_layers → GAP → Loutput.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_ffn_dim_optional)

    kind: Literal["transformer"] = "transformer"
    n_features: int = Field(ge=1, le=256, description="input features per time step")
    window: int = Field(ge=1, le=4096, description="time steps per window (sequence length)")
    d_model: int = Field(16, ge=2, le=512, description="embedding width")
    n_heads: int = Field(1, ge=1, le=64, description="attention heads; must divide d_model")
    ffn_dim: int = Field(
        ge=1, le=4096, description="hidden width of the feed-forward block; default 4·d_model"
    )
    n_layers: int = Field(1, ge=1, le=16, description="encoder layers")
    n_outputs: int = Field(1, ge=1, le=256, description="predicted values per window")

    @model_validator(mode="before")
    @classmethod
    def _default_ffn_dim(cls, data: Any) -> Any:
        if isinstance(data, dict) and "ffn_dim" not in data:
            d_model = data.get("d_model", 16)
            if isinstance(d_model, int):
                return {**data, "ffn_dim": 4 * d_model}
        return data

    @model_validator(mode="after")
    def _heads_divide(self) -> TransformerModel:
        if self.d_model % self.n_heads:
            raise ValueError(f"n_heads {self.n_heads} must divide d_model {self.d_model}")
        return self


ModelSpec = Annotated[TransformerModel, Field(discriminator="kind")]
"""Union of supported model kinds; `mlp` and `cnn1d` will join it as members."""
