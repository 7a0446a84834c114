"""The `training` section: optimiser, schedule, early stopping, device."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator
from resq.spec.base import SpecModel

Schedule = Literal["constant", "cosine", "plateau"]


def _parse_qat_rate(value: Any) -> Any:
    """Accept a learning rate in (0, 10] or the string `auto`."""
    if value is None or value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a learning rate (0 < rate ≤ 10) or 'auto', got {value!r}")
    if not 0 < value <= 10 or value != value:
        raise ValueError(f"learning rate {value} is out of range (0, 10]")
    return float(value)


QatRate = Annotated[
    float | Literal["auto"],
    BeforeValidator(_parse_qat_rate),
    WithJsonSchema(
        {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 10}, {"const": "auto"}]}
    ),
]
"""QAT's learning rate, or `auto` (by the narrowest width)."""

AUTO_LR_BASE = 3.0
"""`qat_lr: auto` multiplies lr by this at 4 bit (and by its square root at 6 bit)."""


class TrainingSpec(SpecModel):
    """How the model is trained: optional float pre-training, then quantization-aware training."""

    epochs: int = Field(100, ge=1, le=100_000, description="maximum QAT epochs")
    float_epochs: int = Field(
        0, ge=0, le=100_000, description="float pre-training epochs before QAT (0 = none)"
    )
    batch_size: int = Field(64, ge=1, le=65_536, description="windows per mini-batch")
    lr: float = Field(1e-3, gt=0, le=10, description="learning rate (float pre-training)")
    qat_lr: QatRate | None = Field(
        None,
        description="learning rate of QAT (default: lr); `auto`: lr · 3^((8 − b)/4) for the "
        "narrowest width b of the configuration, 3·lr at 4 bit and lr at 8 bit or more",
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
    weight_decay: float = Field(0.0, ge=0, le=1, description="L2 penalty")
    patience: int = Field(
        10, ge=1, le=100_000, description="epochs without validation improvement before stopping"
    )
    device: Literal["cpu", "cuda", "auto"] = Field(
        "cpu", description="cpu, cuda (error when absent) or auto (cuda when present)"
    )
    threads: int = Field(
        1, ge=1, le=256, description="CPU threads; training is deterministic at a fixed count"
    )

    def qat_rate(self, narrowest: int) -> float:
        """The QAT learning rate for a configuration whose narrowest width is `narrowest`
        bits (see `qat_lr`): narrow models need a larger step to move between levels, wide
        ones drift from their float parent with it (tests/bench/qat_accuracy.py)."""
        if self.qat_lr == "auto":
            factor: float = AUTO_LR_BASE ** ((8 - min(narrowest, 8)) / 4)
            return self.lr * factor
        return self.lr if self.qat_lr is None else self.qat_lr

    @model_validator(mode="after")
    def _qat_budget(self) -> TrainingSpec:
        if 0 < self.float_epochs < self.epochs:
            raise ValueError(
                f"epochs {self.epochs} (QAT) exceed float_epochs {self.float_epochs}: QAT gets "
                "no more optimisation than the float parent it is compared with"
            )
        return self
