"""`Space`: the choices a configuration is drawn from (bit widths, PAR, multiplier and
storage styles), shared by validation, the score tables and the search."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from resq.spec.components import Multiplier, Storage


class Space(BaseModel):
    """The choices a configuration draws from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bits: tuple[int, ...] = (4, 6, 8)
    parallelism: tuple[int, ...] = (1, 2, 4, 8, 16)
    multipliers: tuple[Multiplier, ...] = ("dsp", "lut")
    storages: tuple[Storage, ...] = ("block", "distributed", "auto")
