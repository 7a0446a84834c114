"""Training: seeded mini-batch Adam/AdamW/SGD with early stopping on the validation split.

One `fit` call trains one phase (float pre-training or QAT) and returns the model at its
best validation epoch. Each epoch ends with a checkpoint (written atomically), so an
interrupted phase resumes where it stopped and finishes with the same weights as an
uninterrupted one. Deterministic at a fixed seed and thread count.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from resq.qat.quant.modules import QBatchNorm
from resq.spec import ResqError
from resq.spec.atomic import write_bytes_atomic
from resq.spec.data import Split
from resq.spec.training import Schedule, TrainingSpec
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
    train_mse: list[float] = field(default_factory=list)
    validation_mse: list[float] = field(default_factory=list)


class CheckpointError(ResqError):
    """A scratch checkpoint that cannot be resumed from safely."""


def make_optimizer(net: nn.Module, spec: TrainingSpec, lr: float) -> torch.optim.Optimizer:
    """The optimizer `spec` names (Adam, AdamW or SGD with momentum 0.9) over net's
    parameters, at learning rate `lr`."""
    params = net.parameters()
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=spec.weight_decay)
    if spec.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=spec.weight_decay)
    return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=spec.weight_decay)


Scheduler = torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau


def make_schedule(
    optimizer: torch.optim.Optimizer, spec: TrainingSpec, epochs: int, kind: Schedule | None = None
) -> Scheduler | None:
    """The per-epoch learning-rate schedule `kind` (default `spec.schedule`) over `epochs`
    epochs: none for constant."""
    kind = kind or spec.schedule
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if kind == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=0.5, patience=max(1, spec.patience // 3)
        )
    return None


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


def _moments(sums: list[torch.Tensor]) -> Callable[[nn.Module, tuple[Any, ...]], None]:
    """A forward pre-hook appending (count, Σx, Σx²) per channel of the input to `sums`."""

    def collect(_module: nn.Module, args: tuple[Any, ...]) -> None:
        value = args[0].value.detach().double()
        flat = value.reshape(-1, value.shape[-1])
        count = flat.new_full((flat.shape[1],), len(flat))
        sums.append(torch.stack([count, flat.sum(0), flat.square().sum(0)]))

    return collect


def reestimate_batch_norm(net: nn.Module, split: Split, batch_size: int) -> None:
    """Set each `QBatchNorm`'s running mean and (unbiased) variance to the exact statistics
    of its input over `split`, in execution order, with the model in eval mode: each batch
    norm sees the input the earlier, already re-estimated ones give it at inference."""
    for norm in [m for m in net.modules() if isinstance(m, QBatchNorm)]:
        sums: list[torch.Tensor] = []
        handle = norm.register_forward_pre_hook(_moments(sums))
        try:
            predict(net, split.x, batch_size)
        finally:
            handle.remove()
        count, total, squares = torch.stack(sums).sum(0)
        mean = total / count
        variance = (squares - count * mean.square()) / (count - 1)
        with torch.no_grad():
            norm.running_mean.copy_(mean.to(norm.running_mean))
            norm.running_var.copy_(variance.clamp(min=0).to(norm.running_var))


def train_step(
    net: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor
) -> float:
    """One mini-batch: forward, MSE loss, backward, optimizer step; returns the loss."""
    optimizer.zero_grad()
    loss = functional.mse_loss(net(x), y)
    loss.backward()  # type: ignore[no-untyped-call]
    optimizer.step()
    return float(loss.detach())


class WeightAverage:
    """An exponential moving average of a network's parameters, updated after every step:
    a ← decay·a + (1 − decay)·p. `swapped_in` evaluates (or keeps) the network with the
    averages in place of its parameters; buffers are not averaged."""

    def __init__(self, net: nn.Module, decay: float) -> None:
        self.decay = decay
        self.averages = {n: p.detach().clone() for n, p in net.named_parameters()}

    @torch.no_grad()
    def update(self, net: nn.Module) -> None:
        """Move every average towards the parameter's current value."""
        for name, parameter in net.named_parameters():
            self.averages[name].lerp_(parameter, 1.0 - self.decay)

    @contextlib.contextmanager
    def swapped_in(self, net: nn.Module) -> Iterator[None]:
        """Within the block, `net`'s parameters hold the averages; afterwards, their own
        values again."""
        parameters = dict(net.named_parameters())
        own = {n: p.detach().clone() for n, p in parameters.items()}
        with torch.no_grad():
            for name, parameter in parameters.items():
                parameter.copy_(self.averages[name])
        try:
            yield
        finally:
            with torch.no_grad():
                for name, parameter in parameters.items():
                    parameter.copy_(own[name])


def _load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint `_save_checkpoint` wrote, loaded as tensors and plain data only (no
    object of the file runs code); CheckpointError when it holds anything else."""
    try:
        saved: dict[str, Any] = torch.load(path, weights_only=True)
    except Exception as e:  # pickle and torch raise several kinds; all mean the same here
        raise CheckpointError(
            f"{path} is not a checkpoint resq can resume from safely ({type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else ''}); delete it to train this phase anew"
        ) from e
    return saved


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
    lr: float | None = None,
    schedule: Schedule | None = None,
    average: float = 0.0,
) -> PhaseResult:
    """Train `net` for up to `epochs` epochs at learning rate `lr` (default `spec.lr`) on
    `schedule` (default `spec.schedule`), stop after `spec.patience` epochs without a better
    validation MSE, and leave `net` at its best epoch. With `average` (an EMA decay per step,
    0 < average < 1) the network validated and kept is the moving average of the weights
    (`WeightAverage`). Resumes from `checkpoint`."""
    device = next(net.parameters()).device
    optimizer = make_optimizer(net, spec, spec.lr if lr is None else lr)
    scheduler = make_schedule(optimizer, spec, epochs, schedule)
    generator = torch.Generator().manual_seed(seed)
    x_all, y_all = torch.from_numpy(train.x), torch.from_numpy(train.y)
    result = PhaseResult(phase, 0, 0, _mse(net, validation))
    best_state = copy.deepcopy(net.state_dict())
    averaged = WeightAverage(net, average) if average > 0 else None
    if checkpoint is not None and checkpoint.is_file():
        saved = _load_checkpoint(checkpoint)
        net.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        if averaged is not None:
            averaged.averages = saved["average"]
        if scheduler is not None:
            scheduler.load_state_dict(saved["schedule"])
        generator.set_state(saved["generator"])
        best_state, result = saved["best"], PhaseResult(**saved["result"])
        log.info("%s: resuming after epoch %d", phase, result.epochs_run)
    while result.epochs_run < epochs and result.epochs_run - result.best_epoch < spec.patience:
        started = time.perf_counter()
        net.train()
        order = torch.randperm(len(x_all), generator=generator)
        total = 0.0
        for start in range(0, len(order), spec.batch_size):
            index = order[start : start + spec.batch_size]
            loss = train_step(net, optimizer, x_all[index].to(device), y_all[index].to(device))
            if averaged is not None:
                averaged.update(net)
            total += loss * len(index)
        result.epochs_run += 1
        kept = averaged.swapped_in(net) if averaged is not None else contextlib.nullcontext()
        with kept:
            validation_mse = _mse(net, validation)
            better = validation_mse < result.best_validation_mse
            if better:
                best_state = copy.deepcopy(net.state_dict())
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(validation_mse)
        elif scheduler is not None:
            scheduler.step()
        if better:
            result.best_validation_mse, result.best_epoch = validation_mse, result.epochs_run
        result.epoch_seconds.append(time.perf_counter() - started)
        result.train_mse.append(total / len(order))
        result.validation_mse.append(validation_mse)
        if on_epoch is not None:
            on_epoch(phase, result.epochs_run, epochs, total / len(order), validation_mse)
        if checkpoint is not None:
            _save_checkpoint(
                checkpoint,
                {
                    "model": net.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "schedule": None if scheduler is None else scheduler.state_dict(),
                    "generator": generator.get_state(),
                    "best": best_state,
                    "result": dataclasses.asdict(result),
                    "average": None if averaged is None else averaged.averages,
                },
            )
    net.load_state_dict(best_state)
    return result
