"""Scoring many configurations at once: per-node option tables and a gather-and-sum.

A node's cost is its IP part (IP instance and ROMs: depends on the node's bit widths, PAR
and multiplier) plus its buffer part (depends on its output width and storage). `Tables`
estimates every option of every node once (through `Estimator`, so measured or fitted as
there) over a `Space` of choices; a PAR not offered to a node's IP that the knowledge base
cannot answer costs infinitely much. A batch of configurations is then a few integer arrays
(`Batch`: per component and role the width, per node PAR, multiplier and storage as
indices into the space), and `Tables.score` returns their total resources and cycles with
one gather and one sum per node: the same numbers `Estimator.estimate` gives, without
Python per configuration.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import cast

import numpy as np
from pydantic import BaseModel, ConfigDict
from resq.estimator.estimate import EstimateError, Estimator
from resq.estimator.kdb import shape_key
from resq.estimator.profile import (
    NodeBlock,
    buffer_point,
    input_buffer_point,
    ip_points,
    model_blocks,
)
from resq.estimator.space import Space
from resq.hdlgen.cycles import SEQUENCER_CYCLES, ip_cycles
from resq.spec import RESOURCE_KINDS, BitConfig, Resources
from resq.spec.components import COMPONENTS, ComponentName, Multiplier
from resq.spec.spec import LoadedSpec

COLUMNS: tuple[str, ...] = (*RESOURCE_KINDS, "cycles")
"""The columns of a score: lut, lutram, ff, bram36, dsp, cycles."""

ROLES = ("inputs", "weights", "outputs")


class Batch(BaseModel):
    """n configurations as index arrays into a Space: `widths` (n, components, 3 roles) and
    `softmax` (n,) index `bits`; `parallelism`, `multiplier`, `storage` (n, nodes)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    widths: np.ndarray
    softmax: np.ndarray
    parallelism: np.ndarray
    multiplier: np.ndarray
    storage: np.ndarray

    @property
    def size(self) -> int:
        return int(self.softmax.shape[0])


def _where(where: str) -> tuple[int, int] | None:
    """(component index, role index) of a width source; None for the softmax width."""
    if where == "softmax":
        return None
    component, role = where.split(".")
    return COMPONENTS.index(cast(ComponentName, component)), ROLES.index(role)


class Tables:
    """Per node: the IP part over (widths, PAR, multiplier) and the buffer part over
    (output width, storage), as arrays of COLUMNS."""

    def __init__(self, blocks: list[NodeBlock], space: Space, ip: list[np.ndarray],
                 buffer: list[np.ndarray], inputs: list[np.ndarray | None],
                 glue: dict[str, float] | None = None) -> None:  # fmt: skip
        """Tables of `blocks` over `space`: ip[n] has shape (len(space.bits),) × roles +
        (len(space.parallelism), len(space.multipliers), len(COLUMNS)); buffer[n] (the
        output buffer) and inputs[n] (the model input's buffer, None unless node n reads
        it; by the width of its INPUT_BITS) have shape (len(space.bits),
        len(space.storages), len(COLUMNS)); both take the node's storage. `glue` (the
        scale per resource kind of the model's shape) multiplies every entry, so a total
        is the sum of its parts scaled, as `Estimator.estimate` gives it; the sequencer's
        cycles are the same for every configuration: `constant`."""
        scale = np.array([float((glue or {}).get(kind, 1.0)) for kind in COLUMNS[:-1]] + [1.0])

        def scaled(table: np.ndarray) -> np.ndarray:
            return np.where(np.isinf(table), table, table * scale)  # unanswerable stays so

        self.blocks, self.space = blocks, space
        self.ip, self.buffer = [scaled(t) for t in ip], [scaled(t) for t in buffer]
        self.inputs = [None if t is None else scaled(t) for t in inputs]
        self.constant = np.array([0.0] * (len(COLUMNS) - 1) + [float(SEQUENCER_CYCLES)])

    @classmethod
    def build(cls, estimator: Estimator, loaded: LoadedSpec, space: Space) -> Tables:
        """Estimate every option of every node of the spec's model over `space`."""
        blocks = model_blocks(loaded.spec.model)
        window = loaded.spec.model.window
        n_bits = len(space.bits)
        ips, buffers, inputs = [], [], []
        for block in blocks:
            names = list(block.widths)
            ip = np.zeros((n_bits,) * len(names) + (len(space.parallelism),
                          len(space.multipliers), len(COLUMNS)))  # fmt: skip
            for index in itertools.product(range(n_bits), repeat=len(names)):
                bits = {name: space.bits[i] for name, i in zip(names, index, strict=True)}
                for p, par in enumerate(space.parallelism):
                    for m, multiplier in enumerate(space.multipliers):
                        ip[(*index, p, m)] = cls._ip_part(estimator, block, window, bits, par,
                                                          multiplier,
                                                          par in space.parallelism_of(block.ip))  # fmt: skip
            ips.append(ip)
            buffer = np.zeros((n_bits, len(space.storages), len(COLUMNS)))
            read = np.zeros_like(buffer) if block.input_features else None
            for b, width in enumerate(space.bits):
                for s, storage in enumerate(space.storages):
                    resources, _ = estimator.point(buffer_point(block, window, width, storage))
                    buffer[b, s] = _row(resources, 0)
                    if read is not None:
                        point = input_buffer_point(block, window, width, storage)
                        read[b, s] = _row(estimator.point(point)[0], 0)
            buffers.append(buffer)
            inputs.append(read)
        glue = estimator.kdb.glue.get(shape_key(loaded.spec.model))
        return cls(blocks, space, ips, buffers, inputs, None if glue is None else glue.scale)

    @staticmethod
    def _ip_part(estimator: Estimator, block: NodeBlock, window: int, bits: dict[str, int],
                 par: int, multiplier: Multiplier, offered: bool) -> np.ndarray:  # fmt: skip
        """The IP part's row; a PAR not offered to the IP that the knowledge base cannot
        answer costs infinitely much (no configuration with it fits)."""
        parts = ip_points(block, window, bits, par, multiplier)
        cycles = ip_cycles(block.ip, parts[0].generics)
        total = Resources()
        try:
            for part in parts:
                total += estimator.point(part)[0]
        except EstimateError:
            if offered:
                raise
            return np.array([np.inf] * len(RESOURCE_KINDS) + [float(cycles)])
        return _row(total, cycles)

    def batch(self, configs: Sequence[BitConfig]) -> Batch:
        """The index arrays of `configs` (every width and choice must be in the space)."""
        s = self.space
        widths = np.array([[[s.bits.index(getattr(c.components[name], role)) for role in ROLES]
                            for name in COMPONENTS] for c in configs])  # fmt: skip
        choices = [[c.choice(b.node, b.component) for b in self.blocks] for c in configs]
        return Batch(
            widths=widths, softmax=np.array([s.bits.index(c.softmax_bits) for c in configs]),
            parallelism=np.array([[s.parallelism.index(x.parallelism) for x in row]
                                  for row in choices]),
            multiplier=np.array([[s.multipliers.index(x.multiplier) for x in row]
                                 for row in choices]),
            storage=np.array([[s.storages.index(x.storage) for x in row] for row in choices]),
        )  # fmt: skip

    def score(self, batch: Batch) -> np.ndarray:
        """(n, len(COLUMNS)): total resources and cycles of every configuration (each at
        least 0, as `Estimator.estimate` clamps them)."""
        total = np.zeros((batch.size, len(COLUMNS)))
        for n, block in enumerate(self.blocks):
            index = []
            for where in block.widths.values():
                source = _where(where)
                index.append(batch.softmax if source is None
                             else batch.widths[:, source[0], source[1]])  # fmt: skip
            total += self.ip[n][(*index, batch.parallelism[:, n], batch.multiplier[:, n])]
            out = _where(block.output)
            assert out is not None
            total += self.buffer[n][batch.widths[:, out[0], out[1]], batch.storage[:, n]]
            read = self.inputs[n]
            if read is not None:
                source = _where(block.widths["INPUT_BITS"])
                assert source is not None
                total += read[batch.widths[:, source[0], source[1]], batch.storage[:, n]]
        total += self.constant
        np.maximum(total, 0.0, out=total)
        return total


def _row(resources: Resources, cycles: int) -> np.ndarray:
    return np.array([*(float(getattr(resources, k)) for k in RESOURCE_KINDS), float(cycles)])
