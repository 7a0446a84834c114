"""Common configuration of every spec model: unknown keys rejected, immutable once loaded."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Base of all spec sections: extra keys forbidden, frozen after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
