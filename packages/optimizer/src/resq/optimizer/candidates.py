"""Candidates: the search's best configurations trained, measured, and the most accurate kept.

Each candidate is trained with quantization in the loop from the float parent of the train
stage (same seed, same recipe), exported, and its integer reference evaluated on the
validation and test splits. The most accurate on *validation* is chosen (the test split
only reports). Training runs in worker processes through the executor
(resq.estimator.executor), each result written as it lands, so an interrupted stage keeps
what finished. The Pareto front: the candidates no other beats in both RMSE and the
resource (total LUTs, or cycles).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from resq.qat.evaluation import Metrics, metrics
from resq.qat.experiment import FloatResult, train_qat
from resq.spec import BitConfig, StageError
from resq.spec.atomic import write_json_atomic
from resq.spec.data import load_windows
from resq.spec.integer.intmodel import save_intmodel
from resq.spec.integer.intref import predict as intref_predict
from resq.spec.spec import LoadedSpec


class CandidateTask(BaseModel):
    """What a worker needs to train one candidate."""

    model_config = ConfigDict(frozen=True)

    rank: int = Field(ge=1, description="place in the search's order, 1 = best objective")
    loaded: LoadedSpec
    config: BitConfig
    float_state: Path = Field(description="the train stage's float.pt")
    out: Path = Field(description="folder of this candidate's IntModel and result")
    scratch: Path = Field(description="folder of its QAT checkpoint")


class CandidateResult(BaseModel):
    """One trained candidate's accuracy (integer reference), in the target's units."""

    model_config = ConfigDict(frozen=True)

    rank: int
    validation: Metrics
    test: Metrics
    fake_quant_test: Metrics
    epochs: int


RESULT_FILE = "candidate.json"


def train_candidate(task: CandidateTask) -> CandidateResult:
    """Train, export and evaluate one candidate (in a worker process); the IntModel and
    the result go to `task.out`."""
    spec, manifest = task.loaded.spec, task.loaded.manifest
    if manifest is None:
        raise StageError("candidates need a dataset manifest (dataset.manifest)")
    data = load_windows(spec.dataset, manifest)
    start = FloatResult(torch.load(task.float_state, weights_only=True), None)
    task.scratch.mkdir(parents=True, exist_ok=True)
    result = train_qat(spec.model, task.config, spec.quantization, data, spec.training,
                       spec.seed, start, task.scratch)  # fmt: skip
    validation = intref_predict(result.intmodel, result.arrays, data.validation.x)
    outcome = CandidateResult(
        rank=task.rank, validation=metrics(validation, data.validation.y, data.target),
        test=result.accuracy["intref"], fake_quant_test=result.accuracy["fake_quant"],
        epochs=result.phase.epochs_run,
    )  # fmt: skip
    save_intmodel(task.out, result.intmodel, result.arrays)
    write_json_atomic(task.out / "config.json", task.config.model_dump(mode="json"))
    write_json_atomic(task.out / RESULT_FILE, outcome.model_dump(mode="json"))
    return outcome


def finished(out: Path) -> CandidateResult | None:
    """The result a candidate folder holds, None if it never finished."""
    path = out / RESULT_FILE
    if not path.is_file():
        return None
    return CandidateResult.model_validate_json(path.read_text(encoding="utf-8"))


def pareto_front(cost: np.ndarray, error: np.ndarray) -> list[int]:
    """Indices of the points no other point beats: at most its cost and error, less of one;
    sorted by cost."""
    front = []
    for i in range(len(cost)):
        beaten = (cost <= cost[i]) & (error <= error[i]) & ((cost < cost[i]) | (error < error[i]))
        if not beaten.any():
            front.append(i)
    return sorted(front, key=lambda i: (cost[i], error[i]))
