"""Strict patterns for every spec value that can reach a path, shell, Tcl, Makefile or VHDL.

A `Name` is lower case letters and digits, words joined by single `-` or `_`, starting with
a letter, at most 64 characters: `elasticnode-v5`, `airu_uniform8`. It cannot contain a
path separator, `..`, white space or shell/Tcl metacharacters, and maps to a VHDL identifier
by replacing `-` with `_`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

NAME_PATTERN = r"^[a-z][a-z0-9]*([_-][a-z0-9]+)*$"
FILE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$"
COLUMN_PATTERN = r"^[A-Za-z][A-Za-z0-9_. ]*$"
RELATIVE_PATH_PATTERN = r"^(?!.*(^|/)\.\.?(/|$))[A-Za-z0-9_][A-Za-z0-9_./-]*$"
VHDL_NAME_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
VHDL_NAME_LENGTH = 48

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=64)]
"""Identifier of a board, dataset manifest or stage."""

SpecName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=VHDL_NAME_LENGTH)]
"""Identifier of a spec: it names the generated VHDL entity, so at most VHDL_NAME_LENGTH."""

FileName = Annotated[str, StringConstraints(pattern=FILE_NAME_PATTERN, max_length=128)]
"""A bare file name (no directory part), e.g. a data file inside a dataset directory."""

ColumnName = Annotated[str, StringConstraints(pattern=COLUMN_PATTERN, max_length=64)]
"""A column of a data file, e.g. `PM2.5`."""

RelativePath = Annotated[str, StringConstraints(pattern=RELATIVE_PATH_PATTERN, max_length=256)]
"""A relative path below the referring file's directory: no `..`, no leading `/`."""


NodeName = Annotated[str, StringConstraints(pattern=VHDL_NAME_PATTERN, max_length=VHDL_NAME_LENGTH)]
"""A node or tensor of the integer model, e.g. `l0_mha_attention` (resq.spec.graph names
them); it becomes part of VHDL identifiers: lower-case words joined by single `_`."""


def is_name(value: str) -> bool:
    """True when `value` matches the strict `Name` pattern."""
    return len(value) <= 64 and re.fullmatch(NAME_PATTERN, value) is not None


def vhdl_identifier(name: str) -> str:
    """The VHDL identifier for a validated `Name`: `-` becomes `_`."""
    if not is_name(name):
        raise ValueError(f"{name!r} is not a valid resq name (pattern {NAME_PATTERN})")
    return name.replace("-", "_")
