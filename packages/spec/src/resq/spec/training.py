"""The `training` section: optimiser, schedule, early stopping, device."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from resq.spec.base import SpecModel

Schedule = Literal["constant", "cosine", "plateau"]


class TrainingSpec(SpecModel):
    """How the model is trained: optional float pre-training, then quantization-aware training."""

    epochs: int = Field(100, ge=1, le=100_000, description="maximum QAT epochs")
    float_epochs: int = Field(
        0, ge=0, le=100_000, description="float pre-training epochs before QAT (0 = none)"
    )
    batch_size: int = Field(64, ge=1, le=65_536, description="windows per mini-batch")
    lr: float = Field(1e-3, gt=0, le=10, description="learning rate (float pre-training)")
    qat_lr: float | None = Field(
        None, gt=0, le=10, description="learning rate of QAT (default: lr)"
    )
    schedule: Schedule = Field(
        "constant",
        description="learning rate over each phase (QAT: unless qat_schedule): constant; "
        "cosine decay to zero over the phase's maximum epochs; or plateau: halved after "
        "patience/3 epochs without a better validation error",
    )
    qat_schedule: Schedule | None = Field(
        None, description="learning rate over QAT (default: schedule)"
    )
    distillation: float = Field(
        0.0,
        ge=0,
        le=1,
        description="QAT learns (1 − d)·target + d·(the float parent's prediction); 0 = none",
    )
    qat_average: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="QAT validates and keeps the exponential moving average of the weights "
        "with this decay per step (e.g. 0.999, about the last 1000 steps); 0 = the weights "
        "themselves",
    )
    bn_reestimate: bool = Field(
        False,
        description="before QAT, set every batch norm's running statistics to the exact mean "
        "and variance over the training split (the statistics QAT folds and freezes)",
    )
    optimizer: Literal["adam", "adamw", "sgd"] = Field("adam")
    weight_decay: float = Field(0.0, ge=0, description="L2 penalty")
    patience: int = Field(
        10, ge=1, description="epochs without validation improvement before stopping"
    )
    device: Literal["cpu", "cuda", "auto"] = Field(
        "cpu", description="cpu, cuda (error when absent) or auto (cuda when present)"
    )
    threads: int = Field(
        1, ge=1, le=256, description="CPU threads; training is deterministic at a fixed count"
    )

    @model_validator(mode="after")
    def _qat_budget(self) -> TrainingSpec:
        if 0 < self.float_epochs < self.epochs:
            raise ValueError(
                f"epochs {self.epochs} (QAT) exceed float_epochs {self.float_epochs}: QAT gets "
                "no more optimisation than the float parent it is compared with"
            )
        return self
