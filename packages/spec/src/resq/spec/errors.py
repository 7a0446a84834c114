"""The `ResqError` family: errors a user can fix, reported without a traceback."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from pydantic import BaseModel, ConfigDict


def printable(text: str) -> str:
    """`text` with control and format characters (escape sequences, newlines, bidi
    overrides) written as escapes, so an echoed key can neither drive the terminal nor
    forge another line."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
        else ch
        for ch in text
    )


class ResqError(Exception):
    """Base of every error caused by user input or environment, not by a bug."""


ISSUE_LINE = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")
"""How a SpecIssue prints: FILE:LINE:COL: field: message (or FILE:LINE:COL: message)."""


class SpecIssue(BaseModel):
    """One problem in a spec, board or manifest file, located to the character."""

    model_config = ConfigDict(frozen=True)

    file: Path
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = printable(f"{self.file}:{self.line}:{self.col}")
        message = printable(self.message)
        return f"{where}: {printable(self.path)}: {message}" if self.path else f"{where}: {message}"


class SpecError(ResqError):
    """A spec (with its parents, board and dataset manifest) is invalid; holds every issue."""

    def __init__(self, issues: list[SpecIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class StageError(ResqError):
    """A stage cannot run or failed; the message says which stage and why."""
