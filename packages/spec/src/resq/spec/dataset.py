"""The `dataset` section: which files, which columns, how windows are cut, split and scaled."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from resq.spec.base import SpecModel, distinct
from resq.spec.names import ColumnName, FileName, Name


class DateSplit(SpecModel):
    """Chronological split at fixed dates (a window belongs to the period of its last row)."""

    method: Literal["date"] = "date"
    train_end: dt.date = Field(
        strict=False, description="last day of the training period (inclusive)"
    )
    validation_end: dt.date = Field(
        strict=False,
        description="last day of the validation period (inclusive); test is everything after",
    )

    @model_validator(mode="after")
    def _ordered(self) -> DateSplit:
        if self.validation_end <= self.train_end:
            raise ValueError(
                f"validation_end {self.validation_end} must be after train_end {self.train_end}"
            )
        return self


class FractionSplit(SpecModel):
    """Chronological split by fractions of the windows: first train, then validation, then test."""

    method: Literal["fraction"] = "fraction"
    train: float = Field(0.7, gt=0, lt=1, description="fraction of windows for training")
    validation: float = Field(0.15, gt=0, lt=1, description="fraction of windows for validation")

    @model_validator(mode="after")
    def _leaves_test(self) -> FractionSplit:
        if self.train + self.validation >= 1:
            raise ValueError(
                f"train + validation = {self.train + self.validation:g} leaves no test windows"
            )
        return self


Split = Annotated[DateSplit | FractionSplit, Field(discriminator="method")]


class LabelFilter(SpecModel):
    """Optional label-quality filter: drop windows whose target is a sensor fault.

    A target is *stuck* when the same value repeats for at least `stuck_hours` consecutive
    rows, and a *spike* when it exceeds `spike_factor` times the median of the file's
    targets (Beijing O3: sensor faults read 500–1071 µg/m³ against a median of ~45).
    """

    enabled: bool = Field(False, description="apply the filter (off by default)")
    stuck_hours: int = Field(12, ge=2, le=8760, description="run length of identical targets, rows")
    spike_factor: float = Field(
        10.0, gt=1, le=1e6, description="spike threshold, × median of the file's targets"
    )


class DatasetSpec(SpecModel):
    """Data for training and evaluation; fields missing here come from the manifest's defaults."""

    manifest: Name | None = Field(
        None, description="name of datasets/<manifest>.yaml whose `defaults` fill this section"
    )
    files: list[FileName] = Field(
        min_length=1, description="data files inside $RESQ_DATA_HOME/<manifest>/"
    )
    time_columns: list[ColumnName] = Field(
        min_length=1,
        max_length=4,
        description="column(s) giving the timestamp: one datetime column, a date and a time "
        "column (with the manifest's layout.time_format), or year, month, day, hour",
    )
    features: list[ColumnName] = Field(min_length=1, description="input columns, in order")
    target: ColumnName = Field(description="column to predict")
    window: int = Field(24, ge=1, le=4096, description="time steps per input window, rows")
    horizon: int = Field(
        0,
        ge=0,
        le=8760,
        description="steps after the window's last row; 0 = value at the last row (AirU)",
    )
    step_hours: float = Field(1.0, gt=0, le=8760, description="spacing of consecutive rows, hours")
    split: Split = Field(description="how windows are divided into train/validation/test")
    scaling: Literal["minmax"] = Field(
        "minmax", description="feature and target scaling, fitted on training rows only"
    )
    missing: Literal["drop_window"] = Field(
        "drop_window",
        description="missing values: drop every window with a missing feature or target",
    )
    label_filter: LabelFilter = Field(default_factory=LabelFilter)
    max_windows: int | None = Field(
        None,
        ge=1,
        le=10**9,
        description="use at most this many training windows (quick experiments)",
    )

    @field_validator("files", "time_columns", "features")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        return distinct(value)
