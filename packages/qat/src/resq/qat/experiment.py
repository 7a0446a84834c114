"""One training experiment: float pre-training, QAT from the float checkpoint, evaluation, export.

The float model and every quantized model trained from it share the seed: QAT starts from
the float weights of the same seed, so their accuracies compare pairwise.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from resq.qat.evaluation import Metrics, metrics
from resq.qat.export import export_intmodel
from resq.qat.models.transformer import Transformer
from resq.qat.training import (
    EpochCallback,
    PhaseResult,
    calibrate,
    fit,
    predict,
    reestimate_batch_norm,
    seed_everything,
    select_device,
)
from resq.spec import BitConfig
from resq.spec.data import Split, WindowedData
from resq.spec.integer.intmodel import IntModel
from resq.spec.integer.intref import predict as intref_predict
from resq.spec.model import TransformerModel
from resq.spec.quantization import QuantizationSpec
from resq.spec.training import TrainingSpec

QAT_SEED_OFFSET = 1
"""QAT shuffles with seed + 1, so it does not replay the float phase's batch order."""


@dataclass
class FloatResult:
    """The float model's weights (no quantizer state) and its training record."""

    state: dict[str, torch.Tensor]
    phase: PhaseResult | None


@dataclass
class QatResult:
    """A trained quantized model, its export and the accuracy of all three forms."""

    net: Transformer
    phase: PhaseResult
    intmodel: IntModel
    arrays: dict[str, np.ndarray]
    accuracy: dict[str, Metrics]


def build(
    model: TransformerModel, bits: BitConfig, threshold: float, seed: int, threads: int
) -> Transformer:
    """A freshly initialised model; the same seed gives the same initial weights."""
    seed_everything(seed, threads)
    return Transformer(model, bits, threshold)


def train_float(
    model: TransformerModel,
    bits: BitConfig,
    data: WindowedData,
    training: TrainingSpec,
    seed: int,
    scratch: Path | None = None,
    on_epoch: EpochCallback | None = None,
) -> FloatResult:
    """Float pre-training for `training.float_epochs` (none when 0: the initial weights)."""
    net = build(model, bits, 0.1, seed, training.threads).to(select_device(training.device))
    phase = None
    if training.float_epochs > 0:
        checkpoint = None if scratch is None else scratch / "float.ckpt"
        phase = fit(
            net, data.train, data.validation, training, training.float_epochs, seed, "float",
            checkpoint, on_epoch,
        )  # fmt: skip
    return FloatResult({k: v.cpu() for k, v in net.float_state().items()}, phase)


def narrowest(bits: BitConfig) -> int:
    """The narrowest width of any tensor, weight or table in `bits`."""
    return min(min(c.inputs, c.weights, c.outputs) for c in bits.components.values())


def train_qat(
    model: TransformerModel,
    bits: BitConfig,
    quantization: QuantizationSpec,
    data: WindowedData,
    training: TrainingSpec,
    seed: int,
    start: FloatResult,
    scratch: Path | None = None,
    on_epoch: EpochCallback | None = None,
) -> QatResult:
    """QAT from the float weights, then export and evaluation on the test split.

    `quantization` gives the ranges (observed, or learned from the least-error ones under
    lsq) and the adaptive threshold; its bits are `bits`. `training` gives the recipe: QAT
    learns targets blended with the float parent's predictions (`distillation`), from batch
    norms re-estimated on the training split (`bn_reestimate`), at `qat_lr` (for `auto`, by
    the narrowest width of `bits`) on
    `qat_schedule`, keeping the moving average of its weights when `qat_average` is set.

    Early stopping validates in the training form (plain fake quantization, within 0.6% of
    the integer result in tests/bench/qat_accuracy.py and 20× cheaper than the exact path);
    the exported model and the reported metrics use the exact, bit-true path.
    """
    net = build(model, bits, quantization.adaptive_threshold, seed, training.threads)
    net.load_float_state(start.state)
    train = data.train
    if training.distillation > 0:
        taught = predict(net, train.x).astype(train.y.dtype)
        blend = (1 - training.distillation) * train.y + training.distillation * taught
        train = Split(train.x, blend.astype(train.y.dtype), train.end_times)
    if training.bn_reestimate:
        reestimate_batch_norm(net, train, training.batch_size)
    net.set_range(quantization.range, quantization.ema_momentum)
    net.set_quantized(True)
    net.to(select_device(training.device))
    calibrate(net, train, training.batch_size)
    if quantization.range == "lsq":
        net.learn_ranges()
    checkpoint = None if scratch is None else scratch / "qat.ckpt"
    net.set_exact(False)
    phase = fit(
        net, train, data.validation, training, training.epochs, seed + QAT_SEED_OFFSET,
        "qat", checkpoint, on_epoch, training.qat_rate(narrowest(bits)), training.qat_schedule,
        training.qat_average,
    )  # fmt: skip
    net.set_exact(True)
    net.cpu()
    intmodel, arrays = export_intmodel(net, data.features, data.target)
    accuracy = {
        "fake_quant": metrics(
            predict(copy.deepcopy(net).double(), data.test.x), data.test.y, data.target
        ),
        "intref": metrics(intref_predict(intmodel, arrays, data.test.x), data.test.y, data.target),
    }
    return QatResult(net, phase, intmodel, arrays, accuracy)


def restore_qat(
    model: TransformerModel,
    bits: BitConfig,
    quantization: QuantizationSpec,
    state: dict[str, torch.Tensor],
) -> Transformer:
    """The trained QAT network whose `state_dict()` is `state` (as `train_qat` built it from
    `model`, `bits` and `quantization`), in eval mode with the exact, bit-true path."""
    net = Transformer(model, bits, quantization.adaptive_threshold)
    net.set_range(quantization.range, quantization.ema_momentum)
    net.set_quantized(True)
    if quantization.range == "lsq":
        net.learn_ranges(start=False)
    net.load_state_dict(state)
    net.set_exact(True)
    return net.eval()


def calibrated_intmodel(
    model: TransformerModel, bits: BitConfig, threshold: float, data: WindowedData, seed: int = 0
) -> tuple[IntModel, dict[str, np.ndarray]]:
    """The IntModel of a freshly initialised network whose quantizers are calibrated on the
    training split, without training: realistic scales and zero points in seconds, for
    hardware tests and benchmarks where accuracy does not matter but bit-exactness does."""
    net = build(model, bits, threshold, seed, 1)
    net.set_quantized(True)
    calibrate(net, data.train, 64)
    net.set_exact(True)
    return export_intmodel(net, data.features, data.target)


def float_accuracy(
    model: TransformerModel, bits: BitConfig, data: WindowedData, start: FloatResult
) -> Metrics:
    """Test accuracy of the float model."""
    net = Transformer(model, bits)
    net.load_float_state(start.state)
    return metrics(predict(net.double(), data.test.x), data.test.y, data.target)
