"""`Space`: the choices a configuration is drawn from (bit widths, PAR, multiplier and
storage styles), shared by validation, the score tables and the search; and which PAR
values an IP is offered (`offered_parallelism`), shared by them and the profiling grid."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from resq.spec.components import Multiplier, Storage

ELEMENTWISE_IPS = ("add", "batchnorm", "gap")
"""IPs that do one operation per feature: their cycles are rows × features / PAR."""

ELEMENTWISE_MAX_PAR = 4
"""The largest PAR the grid profiles and the search offers an element-wise IP. At PAR 4 an
element-wise node of the airu shape takes 96 cycles, against 1,536 for its FFN layers at
PAR 16, so wider ones buy little latency; they cost the most to profile (81–223 s per point
in Yosys, 40 % of the grid's time)."""


def offered_parallelism(ip: str, parallelism: tuple[int, ...]) -> tuple[int, ...]:
    """The values of `parallelism` offered to `ip`: all of them, but none above
    ELEMENTWISE_MAX_PAR for an element-wise IP."""
    if ip in ELEMENTWISE_IPS:
        return tuple(p for p in parallelism if p <= ELEMENTWISE_MAX_PAR)
    return parallelism


class Space(BaseModel):
    """The choices a configuration draws from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bits: tuple[int, ...] = (4, 6, 8)
    parallelism: tuple[int, ...] = (1, 2, 4, 8, 16)
    multipliers: tuple[Multiplier, ...] = ("dsp", "lut")
    storages: tuple[Storage, ...] = ("block", "distributed", "auto")

    def parallelism_of(self, ip: str) -> tuple[int, ...]:
        """The PAR values of this space offered to `ip` (`offered_parallelism`)."""
        return offered_parallelism(ip, self.parallelism)
