"""`DatasetManifest`: a file in datasets/ describing a public or private data set."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from resq.spec.base import SpecModel
from resq.spec.names import ColumnName, FileName, Name


class DataFile(SpecModel):
    """One file of a data set with its expected content hash."""

    name: FileName
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, checked after download"
    )


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
    columns: list[ColumnName] = Field(min_length=1, description="columns of each file")
    na_values: list[str] = Field(default_factory=list, description="strings that mark a gap")
    units: dict[ColumnName, str] = Field(
        default_factory=dict, description="unit of a column, for reports (e.g. O3: µg/m³)"
    )
    download: Download | None = None
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="values a spec's dataset section inherits"
    )
