"""The `ResqError` family: errors a user can fix, reported without a traceback."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class ResqError(Exception):
    """Base of every error caused by user input or environment, not by a bug."""


class SpecIssue(BaseModel):
    """One problem in a spec, board or manifest file, located to the character."""

    model_config = ConfigDict(frozen=True)

    file: Path
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class SpecError(ResqError):
    """A spec (with its parents, board and dataset manifest) is invalid; holds every issue."""

    def __init__(self, issues: list[SpecIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class StageError(ResqError):
    """A stage cannot run or failed; the message says which stage and why."""
