"""`BitConfig`: the one configuration type (contract 3), from the spec to the hardware.

Per component: bits of inputs, weights and outputs, scheme, and the hardware defaults
(output-buffer storage, MACs per cycle, multiplier style); per node, where a component has
several (MHA: query, key, value, attention, output), hardware overrides. The spec states one,
the optimizer emits one, QAT trains its bits and hdlgen builds it, nothing re-derived on the
way. A BitConfig file is its JSON or YAML dump (`load_bitconfig`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError, model_validator
from resq.spec.base import SpecModel
from resq.spec.components import COMPONENTS, ComponentName, Multiplier, Scheme, Storage
from resq.spec.errors import ResqError
from resq.spec.graph import node_components
from resq.spec.hardware import Architecture
from resq.spec.names import NodeName
from resq.spec.quantization import Bits

if TYPE_CHECKING:
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
FORMAT_VERSION: Literal[1] = 1


class BitConfigError(ResqError):
    """A BitConfig file that cannot be read, or one that does not fit the model it meets."""


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


class NodeHardware(SpecModel):
    """Hardware of one node where it differs from its component's; a field left out keeps
    the component's."""

    storage: Storage | None = Field(None, description="output buffer: block, distributed, auto")
    parallelism: int | None = Field(None, ge=1, le=64, description="MACs per cycle")
    multiplier: Multiplier | None = Field(None, description="dsp or lut")


class NodeChoice(SpecModel):
    """The hardware a node is built with: its component's, overridden by its node entry."""

    storage: Storage
    parallelism: int = Field(ge=1, le=64)
    multiplier: Multiplier


ENGINE_BASELINE_LANES = 16
"""The engine's lanes when the spec's parallelism is `search` (until the search chooses)."""


class EngineChoice(SpecModel):
    """How the shared engine is built (architecture `engine`, docs/engine.md): its lanes,
    the multipliers of its lanes and requantizer (`dsp` packs two 4-bit lanes per DSP48E1
    where the widths allow), and its tensor memory's storage."""

    lanes: int = Field(ENGINE_BASELINE_LANES, ge=1, le=64,
                       description="multiply-accumulate lanes, a power of two")  # fmt: skip
    multiplier: Multiplier = Field("dsp", description="dsp or lut")
    storage: Storage = Field("auto", description="tensor memory: block, distributed or auto")

    @model_validator(mode="after")
    def _power_of_two(self) -> EngineChoice:
        if self.lanes & (self.lanes - 1):
            raise ValueError(f"engine lanes {self.lanes}: expected a power of two (1 to 64)")
        return self


class BitConfig(SpecModel):
    """A complete configuration of all ten components plus per-node hardware overrides; the
    spec states it, the optimizer emits it, QAT trains it and hdlgen builds it. Under
    `architecture: engine` the per-component and per-node hardware is unused: `engine`
    says how the one datapath is built."""

    format_version: Literal[1] = FORMAT_VERSION
    components: dict[ComponentName, ComponentConfig]
    nodes: dict[NodeName, NodeHardware] = Field(
        default_factory=dict, description="node name (resq.spec.graph) → hardware overrides"
    )
    softmax_bits: Bits = Field(
        8, description="bits of the softmax probabilities inside every MHA (unsigned)"
    )
    architecture: Architecture = Field("dataflow", description="dataflow or engine")
    engine: EngineChoice | None = Field(None, description="the engine's hardware (engine only)")

    @model_validator(mode="after")
    def _engine_given(self) -> BitConfig:
        if (self.architecture == "engine") != (self.engine is not None):
            raise ValueError("engine: give it exactly when architecture is engine")
        return self

    @classmethod
    def from_spec(cls, spec: Spec) -> BitConfig:
        """The configuration a spec states: defaults, then per-component, then per-node
        overrides.

        `inputs` is taken from the producer's `outputs` (see `PRODUCER`), except for Linput.
        Hardware fields set to `search` take the baseline (auto storage, 1 MAC per cycle,
        DSP multipliers) until the search stage replaces them; `HardwareSpec.searched` names
        them.
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
        nodes = {
            node: NodeHardware(
                storage=BASELINE_STORAGE if o.storage == "search" else o.storage,
                parallelism=BASELINE_PARALLELISM if o.parallelism == "search" else o.parallelism,
                multiplier=BASELINE_MULTIPLIER if o.multiplier == "search" else o.multiplier,
            )
            for node, o in hw.nodes.items()
        }
        engine = None
        if hw.architecture == "engine":
            engine = EngineChoice(
                lanes=ENGINE_BASELINE_LANES if hw.parallelism == "search" else hw.parallelism,
                multiplier=BASELINE_MULTIPLIER if hw.multiplier == "search" else hw.multiplier,
                storage=BASELINE_STORAGE if hw.storage == "search" else hw.storage,
            )
        return cls(components=components, nodes=nodes, softmax_bits=quant.softmax_bits,
                   architecture="engine" if engine else "dataflow", engine=engine)  # fmt: skip

    def choice(self, node: str, component: ComponentName) -> NodeChoice:
        """The hardware node `node` of `component` is built with."""
        c, n = self.components[component], self.nodes.get(node, NodeHardware())
        return NodeChoice(
            storage=n.storage or c.storage,
            parallelism=n.parallelism or c.parallelism,
            multiplier=n.multiplier or c.multiplier,
        )

    def with_hardware(
        self,
        parallelism: int | None = None,
        multiplier: Multiplier | None = None,
        storage: Storage | None = None,
        nodes: dict[str, NodeHardware] | None = None,
    ) -> BitConfig:
        """This configuration with the given hardware for every component (the fields left
        None unchanged) and, when given, `nodes` as the per-node overrides; an engine's
        lanes, multiplier and storage likewise."""
        update = {
            field: value
            for field, value in (("parallelism", parallelism), ("multiplier", multiplier),
                                 ("storage", storage))
            if value is not None
        }  # fmt: skip
        components = {name: c.model_copy(update=update) for name, c in self.components.items()}
        engine = self.engine
        if engine is not None:
            lanes = update.pop("parallelism", engine.lanes)
            engine = EngineChoice.model_validate({**engine.model_dump(), **update, "lanes": lanes})
        return self.model_copy(update={"components": components, "engine": engine,
                                       "nodes": self.nodes if nodes is None else nodes})  # fmt: skip

    def problems(self, n_layers: int) -> list[str]:
        """What keeps this configuration from describing a model of `n_layers` encoder
        layers: missing components, unknown nodes, inputs that differ from their producer's
        outputs (a tensor has one width)."""
        found = [f"components.{c}: missing" for c in COMPONENTS if c not in self.components]
        known = node_components(n_layers)
        found += [
            f"nodes.{name}: not a node of this model; nodes: {', '.join(known)}"
            for name in self.nodes
            if name not in known
        ]
        for name, producer in PRODUCER.items():
            if name in self.components and producer in self.components:
                inputs, outputs = self.components[name].inputs, self.components[producer].outputs
                if inputs != outputs:
                    found.append(
                        f"components.{name}.inputs: {inputs} differs from {producer}.outputs "
                        f"{outputs} (a tensor has one width, its producer's)"
                    )
        return found

    def bits_only(self) -> dict[str, dict[str, object]]:
        """What training depends on: per component the bits and scheme, and the softmax's
        probability bits (under "softmax"); not the hardware."""
        bits: dict[str, dict[str, object]] = {
            name: c.model_dump(include={"inputs", "weights", "outputs", "scheme"})
            for name, c in self.components.items()
        }
        bits["softmax"] = {"bits": self.softmax_bits}
        return bits

    def describe(self) -> str:
        """Compact text such as `Linput 8/8/8 sym, ..., Loutput 8/8/8 sym, softmax 8`
        (inputs/weights/outputs)."""
        return ", ".join(
            [f"{name} {c.inputs}/{c.weights}/{c.outputs} {c.scheme[:4]}"
             for name, c in self.components.items()] + [f"softmax {self.softmax_bits}"]
        )  # fmt: skip


def load_bitconfig(path: Path) -> BitConfig:
    """Read a BitConfig file (`.json`, `.yaml` or `.yml`); errors name the file and field."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = path.read_text(encoding="utf-8")
        raw = YAML(typ="safe").load(text)  # JSON is YAML
    except (OSError, UnicodeDecodeError, YAMLError) as e:
        raise BitConfigError(f"{path}: cannot read the BitConfig file: {e}") from e
    try:
        return BitConfig.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, item['loc'])) or '(top)'}: {item['msg']}" for item in e.errors()
        )
        raise BitConfigError(f"{path}: not a BitConfig: {problems}") from e
