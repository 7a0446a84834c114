"""`BitConfig`: the one bit-configuration type (component → bits, scheme, storage, parallelism)."""

from __future__ import annotations

from pydantic import Field
from resq.spec.base import SpecModel
from resq.spec.components import COMPONENTS, ComponentName, Multiplier, Scheme, Storage
from resq.spec.quantization import Bits
from resq.spec.spec import Spec

PRODUCER: dict[ComponentName, ComponentName] = {
    "AddPE": "Linput",
    "MHA": "AddPE",
    "AddMHA": "MHA",
    "BNMHA": "AddMHA",
    "FFN": "BNMHA",
    "AddFFN": "FFN",
    "BNFFN": "AddFFN",
    "GAP": "BNFFN",
    "Loutput": "GAP",
}
"""The component whose output each component reads (in the first encoder layer).

A tensor has one width, its producer's `outputs`: the `inputs` of every component but Linput
(whose input is the model input) equal its producer's `outputs`. Later encoder layers read
BNFFN's output.
"""

BASELINE_STORAGE: Storage = "auto"
BASELINE_PARALLELISM = 1
BASELINE_MULTIPLIER: Multiplier = "dsp"


class ComponentConfig(SpecModel):
    """Everything resq decides for one component."""

    inputs: Bits = Field(
        description="bits of input activations: the producer's outputs (Linput: the model input)"
    )
    weights: Bits = Field(description="bits of weights, tables or folded BN parameters")
    outputs: Bits = Field(description="bits of output activations")
    scheme: Scheme
    storage: Storage = Field(description="output buffer: block, distributed or auto")
    parallelism: int = Field(ge=1, le=64, description="MACs per cycle")
    multiplier: Multiplier = Field(description="multiplies in DSP48 slices or LUTs")


class BitConfig(SpecModel):
    """A complete configuration of all ten components; the spec states it, the optimizer
    emits it, QAT trains it and hdlgen builds it."""

    components: dict[ComponentName, ComponentConfig]

    @classmethod
    def from_spec(cls, spec: Spec) -> BitConfig:
        """The configuration a spec states: defaults, then per-component overrides.

        `inputs` is taken from the producer's `outputs` (see `PRODUCER`), except for Linput.
        Hardware fields set to `search` take the baseline (auto storage, 1 MAC per cycle,
        DSP multipliers) until the search stage replaces them.
        """
        quant, hw = spec.quantization, spec.hardware
        components: dict[ComponentName, ComponentConfig] = {}
        for name in COMPONENTS:
            q = quant.components.get(name)
            h = hw.components.get(name)
            storage = (h.storage if h and h.storage else None) or hw.storage
            parallelism = (h.parallelism if h and h.parallelism else None) or hw.parallelism
            multiplier = (h.multiplier if h and h.multiplier else None) or hw.multiplier
            own_inputs = (q.inputs if q and q.inputs else None) or quant.default_bits
            components[name] = ComponentConfig(
                inputs=components[PRODUCER[name]].outputs if name in PRODUCER else own_inputs,
                weights=(q.weights if q and q.weights else None) or quant.default_bits,
                outputs=(q.outputs if q and q.outputs else None) or quant.default_bits,
                scheme=(q.scheme if q and q.scheme else None) or quant.scheme,
                storage=BASELINE_STORAGE if storage == "search" else storage,
                parallelism=BASELINE_PARALLELISM if parallelism == "search" else parallelism,
                multiplier=BASELINE_MULTIPLIER if multiplier == "search" else multiplier,
            )
        return cls(components=components)

    def describe(self) -> str:
        """Compact text such as `Linput 8/8/8 sym, ..., Loutput 8/8/8 sym` (inputs/weights/outputs)."""
        return ", ".join(
            f"{name} {c.inputs}/{c.weights}/{c.outputs} {c.scheme[:4]}"
            for name, c in self.components.items()
        )
