"""Safe YAML reading that remembers where every key was written (file, line, column).

A spec, board or manifest is small, so what is read is bounded before anything is built
from it: a regular file (never a device or a pipe) of at most MAX_BYTES, nested at most
MAX_DEPTH deep, with at most MAX_NODES values, no number longer than MAX_DIGITS digits, and
no anchors or aliases (`&name`, `*name`: a spec shares values through `extends`; aliases can
refer to themselves or expand a few lines into gigabytes).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from resq.spec.errors import SpecError, SpecIssue
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

MAX_BYTES = 1 << 20
"""Largest file read, 1 MiB (the largest spec or manifest shipped is under 4 KiB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""
MAX_NODES = 100_000
"""Most keys, values and items in one file."""
MAX_DIGITS = 64
"""Longest number, in digits."""

_LONG_NUMBER = re.compile(rf"(?=.*[0-9])[-+]?[0-9_.eE+-]{{{MAX_DIGITS + 1},}}")

YamlPath = tuple[str | int, ...]


class Mark(NamedTuple):
    """A position in a file; line and column count from 1."""

    file: Path
    line: int
    col: int


@dataclass
class Document:
    """Plain data loaded from YAML plus the mark of each mapping key and sequence item."""

    file: Path
    data: Any
    marks: dict[YamlPath, Mark] = field(default_factory=dict)

    def mark(self, path: YamlPath) -> Mark:
        """The mark of `path`, or of its nearest written ancestor, or the file's start."""
        for end in range(len(path), -1, -1):
            found = self.marks.get(path[:end])
            if found is not None:
                return found
        return Mark(self.file, 1, 1)


def _record(node: Node, data: Any, path: YamlPath, file: Path, marks: dict[YamlPath, Mark]) -> None:
    if isinstance(node, MappingNode) and isinstance(data, dict):
        for (key_node, value_node), key in zip(node.value, data, strict=False):
            child = (*path, key)
            marks[child] = Mark(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _record(value_node, data[key], child, file, marks)
    elif isinstance(node, SequenceNode) and isinstance(data, list):
        for index, (item_node, item) in enumerate(zip(node.value, data, strict=False)):
            child = (*path, index)
            marks[child] = Mark(
                file, item_node.start_mark.line + 1, item_node.start_mark.column + 1
            )
            _record(item_node, item, child, file, marks)


def _refuse(file: Path, message: str, line: int = 1, col: int = 1) -> SpecError:
    return SpecError([SpecIssue(file=file, line=line, col=col, path="", message=message)])


def read_text(file: Path) -> str:
    """The UTF-8 text of `file`, a regular file of at most MAX_BYTES; SpecError otherwise."""
    try:
        mode = os.stat(file).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(file, "cannot read: not a regular file")
        with open(file, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as e:
        raise _refuse(file, f"cannot read: {e.strerror or e}") from e
    if len(raw) > MAX_BYTES:
        raise _refuse(file, f"larger than {MAX_BYTES // 1024} KiB: not a spec")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise _refuse(file, f"not UTF-8 text (byte {e.start})", line) from e


def _check_events(yaml: YAML, text: str, file: Path) -> None:
    """Refuse anchors, aliases, deep nesting, too many values and long numbers, before any
    value is built."""
    depth = 0
    for count, event in enumerate(yaml.parse(text), start=1):
        mark = event.start_mark
        where = {"line": mark.line + 1, "col": mark.column + 1}
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor):
            raise _refuse(file, "YAML anchors and aliases (&name, *name) are not supported "
                          "in a spec: write the value, or share it through extends", **where)  # fmt: skip
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _refuse(file, f"nested deeper than {MAX_DEPTH} levels", **where)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif _long_number(event):
            raise _refuse(file, f"a number of {len(event.value)} characters; at most "
                          f"{MAX_DIGITS} are read", **where)  # fmt: skip
        if count > MAX_NODES:
            raise _refuse(file, f"more than {MAX_NODES} values: not a spec", **where)


def _long_number(event: object) -> bool:
    return (isinstance(event, ScalarEvent) and event.style is None
            and _LONG_NUMBER.fullmatch(event.value) is not None)  # fmt: skip


_PARSED: dict[tuple[str, str], Document] = {}
"""Documents already parsed, by file and SHA-256 of their text (a parent spec, board or
manifest is read once per process however many specs extend it)."""


def read_yaml(file: Path) -> Document:
    """Load `file` with the safe loader within the limits of the module text; raise
    `SpecError` for an unreadable, oversized or malformed file."""
    text = read_text(file)
    key = (str(file), hashlib.sha256(text.encode()).hexdigest())
    if key not in _PARSED:
        if len(_PARSED) >= 64:
            _PARSED.clear()
        _PARSED[key] = _parse(file, text)
    return copy.deepcopy(_PARSED[key])


def _parse(file: Path, text: str) -> Document:
    yaml = YAML(typ="safe", pure=True)
    try:
        _check_events(yaml, text, file)
        node = yaml.compose(text)
        data = None if node is None else yaml.constructor.construct_document(node)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = e.problem or e.context or "malformed YAML"
        raise SpecError([SpecIssue(file=file, line=line, col=col, path="", message=problem)]) from e
    except YAMLError as e:
        raise SpecError([SpecIssue(file=file, line=1, col=1, path="", message=str(e))]) from e
    document = Document(file=file, data=data, marks={(): Mark(file, 1, 1)})
    if node is not None:
        _record(node, data, (), file, document.marks)
    return document


def merge(base: Document, child: Document) -> Document:
    """Deep merge: mappings merge key by key, anything else in `child` replaces `base`.

    Each merged value keeps the mark of the file it came from; the result carries the
    child's file name.
    """
    marks = dict(base.marks)

    def walk(b: Any, c: Any, path: YamlPath) -> Any:
        if isinstance(b, dict) and isinstance(c, dict):
            out = dict(b)
            for key, value in c.items():
                out[key] = walk(b.get(key), value, (*path, key))
            return out
        for stale in [p for p in marks if len(p) > len(path) and p[: len(path)] == path]:
            del marks[stale]
        return copy.deepcopy(c)

    data = walk(base.data, child.data, ())
    marks.update(child.marks)
    return Document(file=child.file, data=data, marks=marks)


def rebase(document: Document, source: YamlPath, target: YamlPath) -> Document:
    """A document holding only the value at `source`, moved to `target`, marks included."""
    data: Any = document.data
    for key in source:
        data = data[key]
    for key in reversed(target):
        data = {key: data}
    marks = {
        (*target, *p[len(source) :]): m
        for p, m in document.marks.items()
        if p[: len(source)] == source
    }
    return Document(file=document.file, data=copy.deepcopy(data), marks=marks)
