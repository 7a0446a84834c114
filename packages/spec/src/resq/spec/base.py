"""Common configuration of every spec model: unknown keys rejected, immutable once loaded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Base of all spec sections: extra keys forbidden, frozen after validation, numbers
    finite (inf, nan and 1e400, which YAML reads as inf, are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


Item = TypeVar("Item", bound=Hashable)


def distinct(values: list[Item]) -> list[Item]:
    """`values` unchanged; ValueError naming the first one listed more than once."""
    repeated = [value for value, count in Counter(values).items() if count > 1]
    if repeated:
        raise ValueError(f"{repeated[0]!r} is listed {Counter(values)[repeated[0]]} times")
    return values
