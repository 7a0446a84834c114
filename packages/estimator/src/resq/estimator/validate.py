"""Validation: whole generated models synthesized by Yosys against the estimate.

`random_config` draws a mixed configuration: per component the weight and output widths
(inputs follow their producer), the softmax width, and per node PAR, multiplier and
storage. `measure` calibrates the spec's model in that configuration on its data (weights
and scales realistic, no training: resq.qat.experiment.calibrated_intmodel), generates it
and runs the generated core's `estimate` target. `Validation` keeps every measured sample
in a journal (one JSON line each, flushed and synced), so an interrupted run resumes with
the samples it lacks; `compare` sets the estimates beside them: per resource the mean and
largest absolute error in %, the mean signed error, and whether the fit verdicts agree;
and the glue of the model's shape (how whole models relate to the sum of their nodes'
parts), which `spec kdb validate` keeps in the knowledge base for every later estimate.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import time
from collections.abc import Callable
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from resq.deploy.route import ToolError, synthesis_route
from resq.estimator.estimate import Estimator
from resq.estimator.executor import Executor
from resq.estimator.kdb import DEFAULT_ROUTE, Glue, Route
from resq.estimator.profile import model_blocks
from resq.estimator.space import Space
from resq.spec import RESOURCE_KINDS, BitConfig, NodeHardware, Resources, ResqError
from resq.spec.components import COMPONENTS
from resq.spec.integer.intmodel import IntModel
from resq.spec.quantization import ComponentQuantization
from resq.spec.spec import LoadedSpec


class ValidateError(ResqError):
    """A validation that cannot run: no data for the spec, or resq-qat missing."""


def random_config(loaded: LoadedSpec, rng: random.Random, space: Space | None = None
                  ) -> BitConfig:  # fmt: skip
    """A mixed configuration of the spec's model drawn from `rng` within `space` (default:
    `Space()`; see the module text)."""
    spec, space = loaded.spec, space or Space()
    bits = space.bits
    components = {name: ComponentQuantization(weights=rng.choice(bits), outputs=rng.choice(bits))
                  for name in COMPONENTS}  # fmt: skip
    quantization = spec.quantization.model_copy(update={
        "components": components, "default_bits": rng.choice(bits),
        "softmax_bits": rng.choice(bits)})  # fmt: skip
    config = BitConfig.from_spec(spec.model_copy(update={"quantization": quantization}))
    nodes = {block.node: NodeHardware(parallelism=rng.choice(space.parallelism_of(block.ip)),
                                      multiplier=rng.choice(space.multipliers),
                                      storage=rng.choice(space.storages))
             for block in model_blocks(spec.model)}  # fmt: skip
    return config.model_copy(update={"nodes": nodes})


def config_digest(config: BitConfig) -> str:
    """16 hex digits identifying a configuration."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]


class Sample(BaseModel):
    """One configuration and what Yosys measured for its whole generated model."""

    model_config = ConfigDict(frozen=True)

    config: BitConfig
    measured: Resources
    seconds: float


Calibrator = Callable[..., tuple[IntModel, dict[str, np.ndarray]]]
"""(TransformerModel, BitConfig, adaptive threshold, WindowedData) → a calibrated IntModel."""

CALIBRATOR_GROUP = "resq.calibrators"
"""Entry-point group of the function that builds a calibrated IntModel for a configuration
(resq-qat registers `intmodel`): named, not imported, so that the estimator stays torch-free."""


def _calibrator() -> Calibrator:
    """The installed calibrator; ValidateError naming how to get one."""
    found = [point for point in entry_points(group=CALIBRATOR_GROUP) if point.name == "intmodel"]
    if not found:
        raise ValidateError("validation calibrates models, and no package registers a calibrator "
                            f"under the entry-point group {CALIBRATOR_GROUP} (resq-qat does: "
                            "pip install -e packages/qat)")  # fmt: skip
    try:
        calibrator: Calibrator = found[0].load()
    except ImportError as e:
        raise ValidateError(f"the calibrator of {CALIBRATOR_GROUP} cannot be loaded: {e}") from e
    return calibrator


MEASURE_TIMEOUT_S = 4 * 3600.0
"""Longest the synthesis of one whole model may take, in seconds."""


def measure(loaded: LoadedSpec, config: BitConfig, cores: Path, route: Route = DEFAULT_ROUTE
            ) -> Resources:  # fmt: skip
    """Resources of the spec's model generated in `config` (calibrated on its data), by the
    synthesis route `route` (Yosys; Vivado out of context)."""
    from resq.hdlgen.project import Target, generate
    from resq.spec.data import load_windows
    from resq.spec.integer.intref import quantize_input

    calibrated_intmodel = _calibrator()
    spec = loaded.spec
    if loaded.manifest is None:
        raise ValidateError(f"{loaded.path} names no dataset to calibrate the model on")
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 2000}), loaded.manifest)
    model, arrays = calibrated_intmodel(spec.model, config, 0.1, data)
    q_in = quantize_input(data.test.x[:1], model.tensors[model.input].qparams)
    target = Target.of(loaded)
    with tempfile.TemporaryDirectory(prefix="resq-validate-") as work:
        generated = generate(spec.name, model, arrays, config, q_in, Path(work) / "model", target)
        roots = [cores, generated.folder]
        return synthesis_route(route).synthesize(generated.vlnv, roots, {},
                                                 MEASURE_TIMEOUT_S).resources  # fmt: skip


def measured_sample(loaded: LoadedSpec, config: BitConfig, cores: Path,
                    route: Route = DEFAULT_ROUTE) -> Sample:  # fmt: skip
    """`measure` with its wall time, as a Sample."""
    began = time.perf_counter()
    measured = measure(loaded, config, cores, route)
    return Sample(config=config, measured=measured, seconds=round(time.perf_counter() - began, 1))


class Validation:
    """The measured samples of one spec, knowledge base and seed, kept in `journal`."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self.samples: dict[str, Sample] = {}
        if journal.is_file():
            for line in journal.read_text(encoding="utf-8").splitlines():
                try:
                    sample = Sample.model_validate_json(line)
                except ValidationError:
                    continue  # the line an interrupted run was writing
                self.samples[config_digest(sample.config)] = sample

    def add(self, sample: Sample) -> None:
        """Keep `sample` and append it to the journal (flushed and synced)."""
        self.samples[config_digest(sample.config)] = sample
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        with self.journal.open("a", encoding="utf-8") as handle:
            handle.write(sample.model_dump_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def run(self, loaded: LoadedSpec, configs: list[BitConfig], cores: Path,
            executor: Executor, route: Route = DEFAULT_ROUTE) -> list[Sample]:  # fmt: skip
        """Measure the configurations not yet measured with `executor` by `route`; every
        sample of `configs` in order. ToolError names the configurations that failed."""
        todo = list({config_digest(c): c for c in configs
                     if config_digest(c) not in self.samples}.values())  # fmt: skip
        failures = executor.map(partial(measured_sample, loaded, cores=cores, route=route), todo,
                                lambda _, sample: self.add(sample), "whole models")  # fmt: skip
        if failures:
            raise ToolError("; ".join(f"configuration {config_digest(todo[f.index])}: {f.error}"
                                      for f in failures))  # fmt: skip
        return [self.samples[config_digest(c)] for c in configs]


class ResourceError(BaseModel):
    """Estimate against measurement for one resource over the samples, in %."""

    model_config = ConfigDict(frozen=True)

    resource: str
    mean_abs: float
    max_abs: float
    mean_signed: float
    exact: float = Field(0.0, description="share of samples estimated exactly, 0..1")


class Comparison(BaseModel):
    """Per-resource errors, the fit verdicts of estimate and measurement, and the glue."""

    model_config = ConfigDict(frozen=True)

    samples: int
    errors: list[ResourceError]
    verdicts_agree: int
    glue: Glue


KINDS = (*RESOURCE_KINDS, "total_lut")


def _vector(resources: Resources) -> np.ndarray:
    return np.array([float(getattr(resources, kind)) for kind in KINDS])


def compare(estimator: Estimator, loaded: LoadedSpec, samples: list[Sample]) -> Comparison:
    """Each sample's estimate beside what Yosys measured. The glue of the model's shape is
    Σ measured / Σ sum of parts per resource; each sample is estimated with the glue of the
    other samples (leave one out), so the errors are those of an unseen configuration."""
    raw = np.stack([_vector(estimator.estimate(loaded, s.config, glue=False).total)
                    for s in samples])  # fmt: skip
    measured = np.stack([_vector(s.measured) for s in samples])
    n = len(samples)
    others = _scale(measured.sum(axis=0) - measured, raw.sum(axis=0) - raw) if n > 1 else 1.0
    estimated = raw * others
    estimated[:, KINDS.index("total_lut")] = (estimated[:, KINDS.index("lut")]
                                              + estimated[:, KINDS.index("lutram")])  # fmt: skip
    relative = np.where(measured > 0, (estimated - measured) / np.maximum(measured, 1e-9),
                        estimated - measured) * 100  # fmt: skip
    errors = [ResourceError(resource=kind, mean_abs=float(np.mean(np.abs(relative[:, k]))),
                            max_abs=float(np.max(np.abs(relative[:, k]))),
                            mean_signed=float(np.mean(relative[:, k])),
                            exact=float(np.mean(np.isclose(estimated[:, k], measured[:, k]))))
              for k, kind in enumerate(KINDS)]  # fmt: skip
    limits = loaded.limits().model_copy(update={"cycles": None})
    agree = 0
    for row, sample in zip(estimated, samples, strict=True):
        guess = Resources(**{kind: row[k] for k, kind in enumerate(RESOURCE_KINDS)})
        agree += guess.fits(limits) == sample.measured.model_copy(update={"cycles": None}).fits(
            limits
        )
    scale = _scale(measured.sum(axis=0), raw.sum(axis=0))
    glue = Glue(
        scale={kind: float(scale[k]) for k, kind in enumerate(RESOURCE_KINDS)},
        samples=n, band={e.resource: e.mean_abs for e in errors},
        band_max={e.resource: e.max_abs for e in errors},
    )  # fmt: skip
    return Comparison(samples=n, errors=errors, verdicts_agree=agree, glue=glue)


def _scale(measured: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """measured / parts elementwise; 1 where the parts are 0."""
    return np.where(parts > 0, measured / np.where(parts > 0, parts, 1.0), 1.0)


def draw(loaded: LoadedSpec, count: int, seed: int, space: Space | None = None
         ) -> list[BitConfig]:  # fmt: skip
    """`count` random configurations within `space` from `seed` (the same list for the same
    arguments)."""
    rng = random.Random(seed)
    return [random_config(loaded, rng, space) for _ in range(count)]
