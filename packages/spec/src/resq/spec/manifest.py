"""`DatasetManifest`: a file in datasets/ describing a public or private data set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, StringConstraints, model_validator
from resq.spec.base import SpecModel
from resq.spec.names import ColumnName, FileName, Name

HeaderName = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]+$", max_length=128)]
"""A column name as a data file's header writes it, e.g. `CO(GT)` (printable, ≤ 128)."""

TimeFormat = Annotated[str, StringConstraints(pattern=r"^[%A-Za-z0-9 :./_T-]+$", max_length=64)]
"""A strptime format such as `%d/%m/%Y %H.%M.%S`."""


class FileLayout(SpecModel):
    """How a data file is written: what resq needs to read it without converting it first."""

    separator: Literal[",", ";", "\t", "|"] = Field(",", description="field separator")
    decimal: Literal[".", ","] = Field(".", description="decimal mark of numbers")
    time_format: TimeFormat | None = Field(
        None,
        description="strptime format of the time column(s), joined by one space when there "
        "are two (a date and a time column), e.g. '%d/%m/%Y %H.%M.%S'; without it one column "
        "must be ISO 8601 (never a guess between day-first and month-first)",
    )
    rename: dict[HeaderName, ColumnName] = Field(
        default_factory=dict,
        description="header name as written → the name specs use, e.g. {'CO(GT)': CO_GT}",
    )

    @model_validator(mode="after")
    def _readable(self) -> FileLayout:
        if self.separator == self.decimal:
            raise ValueError(f"separator and decimal mark are both {self.separator!r}")
        targets = list(self.rename.values())
        if len(set(targets)) != len(targets):
            raise ValueError("rename gives two columns the same name")
        return self


class DataFile(SpecModel):
    """One file of a data set with its expected content hash."""

    name: FileName
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, checked after download"
    )
    embedded: FileName | None = Field(
        None,
        pattern=r"\.xz$",
        description="an xz-compressed copy shipped in datasets/<manifest>/ beside the manifest, "
        "used when the file is neither in $RESQ_DATA_HOME nor in the cache; its content must "
        "equal sha256",
    )

    @model_validator(mode="after")
    def _checked(self) -> DataFile:
        if self.embedded is not None and self.sha256 is None:
            raise ValueError("an embedded copy needs the file's sha256, to check it against")
        return self


class Download(SpecModel):
    """Where the files can be fetched: a zip archive holding them, possibly in nested zips."""

    url: str = Field(pattern=r"^https://[A-Za-z0-9./_%+-]+$", description="archive address")
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the archive, when published"
    )


class DatasetManifest(SpecModel):
    """Source, license and layout of a data set, plus defaults for a spec's `dataset` section."""

    name: Name = Field(description="equal to the file name without .yaml")
    title: str
    source: str = Field(description="publisher and identifier")
    url: str = Field(description="landing page")
    license: str
    citation: str | None = None
    obtain: str = Field(description="how a user gets the files when they cannot be downloaded")
    frequency_hours: float = Field(gt=0, description="spacing of rows, hours")
    files: list[DataFile] = Field(min_length=1, description="every file the data set has")
    columns: list[ColumnName] = Field(
        min_length=1, description="columns of each file, as specs name them (after rename)"
    )
    layout: FileLayout = Field(default_factory=FileLayout, description="how the files are written")
    na_values: list[str] = Field(
        default_factory=list, description="strings that mark a gap, e.g. 'NA' or '-200'"
    )
    units: dict[ColumnName, str] = Field(
        default_factory=dict, description="unit of a column, for reports (e.g. O3: µg/m³)"
    )
    download: Download | None = None
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="values a spec's dataset section inherits"
    )
    _folder: Path | None = PrivateAttr(None)

    @property
    def folder(self) -> Path | None:
        """The folder of the manifest file (datasets/), where embedded copies live in
        `<name>/`; None for a manifest not read from a file. Not part of the content (cache
        keys do not depend on where a checkout is)."""
        return self._folder

    def located(self, folder: Path) -> DatasetManifest:
        """This manifest, read from a file in `folder`."""
        copy = self.model_copy()
        copy._folder = folder
        return copy
