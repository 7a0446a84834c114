"""Training: seeded mini-batch Adam/AdamW/SGD with early stopping on the validation split.

One `fit` call trains one phase (float pre-training or QAT) and returns the model at its
best validation epoch. Each epoch ends with a checkpoint (written atomically), so an
interrupted phase resumes where it stopped and finishes with the same weights as an
uninterrupted one. Deterministic at a fixed seed and thread count.
"""

from __future__ import annotations

import copy
import io
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from resq.qat.data import Split
from resq.spec import ResqError
from resq.spec.atomic import write_bytes_atomic
from resq.spec.training import TrainingSpec
from torch import nn
from torch.nn import functional

log = logging.getLogger(__name__)

EpochCallback = Callable[[str, int, int, float, float], None]
"""Called after each epoch with (phase, epoch, max_epochs, train_mse, validation_mse)."""


def seed_everything(seed: int, threads: int) -> None:
    """Seed Python, numpy and torch; fix the thread count; demand deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def select_device(requested: str) -> torch.device:
    """cpu; cuda (a clear error when absent); auto = cuda when present, else cpu."""
    if requested == "cuda" and not torch.cuda.is_available():
        raise ResqError("training.device: cuda was asked for but no CUDA device is available")
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


@dataclass
class PhaseResult:
    """What one training phase did; MSE values are on MinMax-scaled targets."""

    phase: str
    epochs_run: int
    best_epoch: int
    best_validation_mse: float
    epoch_seconds: list[float] = field(default_factory=list)


def make_optimizer(net: nn.Module, spec: TrainingSpec) -> torch.optim.Optimizer:
    """The optimizer `spec` names (Adam, AdamW or SGD with momentum 0.9) over net's parameters."""
    params = net.parameters()
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=spec.lr, weight_decay=spec.weight_decay)
    if spec.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=spec.lr, weight_decay=spec.weight_decay)
    return torch.optim.SGD(params, lr=spec.lr, momentum=0.9, weight_decay=spec.weight_decay)


def predict(net: nn.Module, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Model outputs (scaled) for windows `x`, in eval mode, in the model's dtype and device."""
    parameter = next(net.parameters())
    net.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            batch = torch.from_numpy(x[start : start + batch_size]).to(parameter)
            outputs.append(net(batch).double().cpu().numpy())
    return np.concatenate(outputs)


def _mse(net: nn.Module, split: Split) -> float:
    return float(np.mean((predict(net, split.x) - split.y) ** 2))


def calibrate(net: nn.Module, split: Split, batch_size: int) -> None:
    """One pass over `split` in training mode without gradients: initialises the observers."""
    parameter = next(net.parameters())
    net.train()
    with torch.no_grad():
        for start in range(0, len(split.x), batch_size):
            net(torch.from_numpy(split.x[start : start + batch_size]).to(parameter))


def train_step(
    net: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor
) -> float:
    """One mini-batch: forward, MSE loss, backward, optimizer step; returns the loss."""
    optimizer.zero_grad()
    loss = functional.mse_loss(net(x), y)
    loss.backward()  # type: ignore[no-untyped-call]
    optimizer.step()
    return float(loss.detach())


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_bytes_atomic(path, buffer.getvalue())


def fit(
    net: nn.Module,
    train: Split,
    validation: Split,
    spec: TrainingSpec,
    epochs: int,
    seed: int,
    phase: str,
    checkpoint: Path | None = None,
    on_epoch: EpochCallback | None = None,
) -> PhaseResult:
    """Train `net` for up to `epochs` epochs, stop after `spec.patience` epochs without a
    better validation MSE, and leave `net` at its best epoch. Resumes from `checkpoint`."""
    device = next(net.parameters()).device
    optimizer = make_optimizer(net, spec)
    generator = torch.Generator().manual_seed(seed)
    x_all, y_all = torch.from_numpy(train.x), torch.from_numpy(train.y)
    result = PhaseResult(phase, 0, 0, _mse(net, validation))
    best_state = copy.deepcopy(net.state_dict())
    if checkpoint is not None and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        generator.set_state(saved["generator"])
        best_state, result = saved["best"], saved["result"]
        log.info("%s: resuming after epoch %d", phase, result.epochs_run)
    while result.epochs_run < epochs and result.epochs_run - result.best_epoch < spec.patience:
        started = time.perf_counter()
        net.train()
        order = torch.randperm(len(x_all), generator=generator)
        total = 0.0
        for start in range(0, len(order), spec.batch_size):
            index = order[start : start + spec.batch_size]
            loss = train_step(net, optimizer, x_all[index].to(device), y_all[index].to(device))
            total += loss * len(index)
        result.epochs_run += 1
        validation_mse = _mse(net, validation)
        if validation_mse < result.best_validation_mse:
            result.best_validation_mse, result.best_epoch = validation_mse, result.epochs_run
            best_state = copy.deepcopy(net.state_dict())
        result.epoch_seconds.append(time.perf_counter() - started)
        if on_epoch is not None:
            on_epoch(phase, result.epochs_run, epochs, total / len(order), validation_mse)
        if checkpoint is not None:
            _save_checkpoint(
                checkpoint,
                {
                    "model": net.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "generator": generator.get_state(),
                    "best": best_state,
                    "result": result,
                },
            )
    net.load_state_dict(best_state)
    return result
