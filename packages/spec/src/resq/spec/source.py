"""Safe YAML reading that remembers where every key was written (file, line, column)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from resq.spec.errors import SpecError, SpecIssue
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

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


def read_yaml(file: Path) -> Document:
    """Load `file` with the safe loader; raise `SpecError` for unreadable or malformed YAML."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(
            [SpecIssue(file=file, line=1, col=1, path="", message=f"cannot read: {e}")]
        ) from e
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(text)
        node = yaml.compose(text)
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
