"""Load a spec file: resolve `extends`, the dataset manifest and the board, validate, and
report every problem at once as `FILE:LINE:COL: field.path: message`."""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from resq.spec.bitconfig import PRODUCER, BitConfig
from resq.spec.board import Board
from resq.spec.errors import SpecError, SpecIssue
from resq.spec.graph import node_components
from resq.spec.manifest import DatasetManifest
from resq.spec.names import COLUMN_PATTERN, NAME_PATTERN, RELATIVE_PATH_PATTERN, is_name
from resq.spec.source import Document, YamlPath, merge, read_yaml, rebase
from resq.spec.spec import LoadedSpec, Spec

_DISCRIMINATORS = ("kind", "method")


def find_dir(start: Path, name: str) -> Path | None:
    """The nearest directory called `name` in `start` or one of its ancestors."""
    for folder in (start, *start.parents):
        if (folder / name).is_dir():
            return folder / name
    return None


def _path_text(path: YamlPath) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def _issue(document: Document, path: YamlPath, message: str) -> SpecIssue:
    mark = document.mark(path)
    return SpecIssue(
        file=mark.file, line=mark.line, col=mark.col, path=_path_text(path), message=message
    )


def _model_fields_at(model: type[BaseModel], loc: YamlPath) -> list[str]:
    """Field names of the model reached by following `loc` from `model` (empty if none)."""
    current: Any = model
    for key in loc:
        current = _step(current, key)
        if current is None:
            return []
    current = _unwrap_model(current)
    return list(current.model_fields) if current is not None else []


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _step(annotation: Any, key: str | int) -> Any:
    for member in _members(annotation):
        model = _unwrap_model(member)
        if model is not None:
            if isinstance(key, str) and key in model.model_fields:
                return model.model_fields[key].annotation
            for name in _DISCRIMINATORS:
                field = model.model_fields.get(name)
                if field is not None and key in typing.get_args(field.annotation):
                    return model
            continue
        origin = typing.get_origin(member)
        if origin in (list, dict):
            return typing.get_args(member)[-1]
    return None


def _yaml_path(loc: tuple[Any, ...], data: Any) -> YamlPath:
    """Drop union tags that pydantic inserts in `loc`, keeping the keys as written."""
    path: list[str | int] = []
    current = data
    for key in loc:
        if (
            isinstance(current, dict)
            and key not in current
            and any(current.get(d) == key for d in _DISCRIMINATORS)
        ):
            continue
        path.append(key)
        if isinstance(current, dict):
            current = current.get(key)
        elif isinstance(current, list) and isinstance(key, int) and key < len(current):
            current = current[key]
        else:
            current = None
    return tuple(path)


def _message(error: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _model_fields_at(model, loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
        return f"unknown key {key!r}; {hint}"
    if kind == "missing":
        return "required field is missing"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        if pattern == NAME_PATTERN:
            return (
                f"{error['input']!r} is not a valid name: lower-case letters and digits, "
                "words joined by single '-' or '_', starting with a letter"
            )
        if pattern == COLUMN_PATTERN:
            header = str(error["input"])
            name = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_. ]", "_", header)).strip("_ ")
            name = name if re.match(COLUMN_PATTERN, name) else f"c_{name}"
            return (f"{header!r} is not a column name specs can use (a letter, then letters, "
                    f"digits, '_', '.' or ' '): name it in the manifest's layout.rename, e.g. "
                    f"rename: {{{header!r}: {name}}}, and write {name} here")  # fmt: skip
        return f"{error['input']!r} does not match the allowed pattern {pattern}"
    message = re.sub(r"^(Value|Assertion) error, ", "", error["msg"])
    value = error.get("input")
    if kind not in ("value_error", "union_tag_invalid") and isinstance(value, str | int | float):
        message += f" (got {_shown(value)})"
    return message


def _shown(value: str | int | float) -> str:
    """`value` as a message quotes it: an integer of more than 30 digits by its size (Python
    refuses to print one of over 4,300 digits), a string to its first 80 characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, str) and len(value) > 80:
        return f"{value[:80]!r}… ({len(value):,} characters)"
    return repr(value)


def validation_issues(
    error: ValidationError, document: Document, model: type[BaseModel], prefix: YamlPath = ()
) -> list[SpecIssue]:
    """One `SpecIssue` per pydantic error, located through the document's marks."""
    issues = []
    for item in error.errors():
        loc = tuple(item["loc"])
        path = (*prefix, *_yaml_path(loc, _at(document.data, prefix)))
        issues.append(_issue(document, path, _message(item, model, loc)))
    return issues


def _at(data: Any, path: YamlPath) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


MAX_EXTENDS = 16
"""Longest chain of `extends` (a spec, its parent, its parent's parent …)."""


def _resolve_extends(file: Path, chain: list[Path]) -> Document:
    document = read_yaml(file)
    if not isinstance(document.data, dict):
        raise SpecError([_issue(document, (), "a spec must be a mapping of sections")])
    parent = document.data.pop("extends", None)
    if parent is None:
        return document
    if not isinstance(parent, str) or re.fullmatch(RELATIVE_PATH_PATTERN, parent) is None:
        raise SpecError(
            [
                _issue(
                    document,
                    ("extends",),
                    f"{parent!r} is not a relative path below this file (no '..', no '/' first)",
                )
            ]
        )
    if len(chain) >= MAX_EXTENDS:
        raise SpecError([_issue(document, ("extends",),
                                f"more than {MAX_EXTENDS} specs extend one another")])  # fmt: skip
    try:
        here = file.resolve().parent
        parent_file = (file.parent / parent).resolve()
    except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python < 3.13)
        raise SpecError([_issue(document, ("extends",), f"cannot resolve {parent!r}: {e}")]) from e
    if not parent_file.is_relative_to(here):
        raise SpecError([_issue(document, ("extends",), f"{parent!r} leads to {parent_file}, "
                                f"outside {here} (through a symbolic link)")])  # fmt: skip
    if parent_file in chain or parent_file == file.resolve():
        cycle = " -> ".join(p.name for p in (*chain, file.resolve(), parent_file))
        raise SpecError([_issue(document, ("extends",), f"extends cycle: {cycle}")])
    try:
        found = parent_file.is_file()
    except OSError as e:  # e.g. a name longer than the file system allows
        raise SpecError([_issue(document, ("extends",), f"cannot read {parent!r}: "
                                f"{e.strerror or e}")]) from e  # fmt: skip
    if not found:
        raise SpecError([_issue(document, ("extends",), f"parent spec not found: {parent_file}")])
    base = _resolve_extends(parent_file, [*chain, file.resolve()])
    return merge(base, document)


def _named_file(
    document: Document, path: YamlPath, folder_name: str, what: str
) -> tuple[Path | None, list[SpecIssue]]:
    """The file `<folder>/<name>.yaml` named at `path`, or the issues that prevent finding it."""
    name = _at(document.data, path)
    if not isinstance(name, str) or not is_name(name):
        return None, []
    folder = find_dir(document.file.resolve().parent, folder_name)
    if folder is None:
        return None, [_issue(document, path, f"no {folder_name}/ directory above {document.file}")]
    target = folder / f"{name}.yaml"
    if not target.is_file():
        available = sorted(p.stem for p in folder.glob("*.yaml"))
        close = difflib.get_close_matches(name, available, n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else f"available: {', '.join(available) or 'none'}"
        )
        return None, [
            _issue(document, path, f"{what} {name!r} not found: no file {target}; {hint}")
        ]
    return target, []


def _load_named(model: type[BaseModel], file: Path) -> tuple[Any, list[SpecIssue]]:
    document = read_yaml(file)
    try:
        value = model.model_validate(document.data)
    except ValidationError as e:
        return None, validation_issues(e, document, model)
    if getattr(value, "name", file.stem) != file.stem:
        return None, [_issue(document, ("name",), f"must equal the file name {file.stem!r}")]
    return value, []


def _cross_checks(
    document: Document, spec: Spec, board: Board | None, manifest: DatasetManifest | None
) -> list[SpecIssue]:
    issues = []
    model, dataset = spec.model, spec.dataset
    if model.n_features != len(dataset.features):
        issues.append(
            _issue(
                document,
                ("model", "n_features"),
                f"{model.n_features} differs from the {len(dataset.features)} dataset.features",
            )
        )
    if model.window != dataset.window:
        issues.append(
            _issue(
                document,
                ("model", "window"),
                f"{model.window} differs from dataset.window {dataset.window}",
            )
        )
    if manifest is not None:
        known = {f.name for f in manifest.files}
        for index, name in enumerate(dataset.files):
            if name not in known:
                issues.append(
                    _issue(
                        document,
                        ("dataset", "files", index),
                        f"{name!r} is not a file of dataset {manifest.name!r}",
                    )
                )
        count, formatted = len(dataset.time_columns), manifest.layout.time_format is not None
        if count == 3 or (count == 2 and not formatted):
            issues.append(_issue(document, ("dataset", "time_columns"), (
                f"{count} columns: give one datetime column, year, month, day, hour, or a "
                "date and a time column with layout.time_format in datasets/"
                f"{manifest.name}.yaml")))  # fmt: skip
        if count == 4 and formatted:
            issues.append(_issue(document, ("dataset", "time_columns"), (
                "year, month, day, hour take no layout.time_format; the manifest "
                f"datasets/{manifest.name}.yaml gives one")))  # fmt: skip
        columns = set(manifest.columns)
        named = [("target", dataset.target)] + [
            (("features", i), c) for i, c in enumerate(dataset.features)
        ]
        named += [(("time_columns", i), c) for i, c in enumerate(dataset.time_columns)]
        for where, column in named:
            if column not in columns:
                sub = where if isinstance(where, tuple) else (where,)
                issues.append(
                    _issue(
                        document,
                        ("dataset", *sub),
                        f"column {column!r} is not in dataset {manifest.name!r}",
                    )
                )
    resolved = BitConfig.from_spec(spec).components
    for name, override in spec.quantization.components.items():
        producer = PRODUCER.get(name)
        if producer and override.inputs and override.inputs != resolved[producer].outputs:
            issues.append(
                _issue(
                    document,
                    ("quantization", "components", name, "inputs"),
                    f"{override.inputs} differs from {producer}.outputs "
                    f"{resolved[producer].outputs}: a tensor has one width, its producer's; "
                    f"set quantization.components.{producer}.outputs instead",
                )
            )
    nodes = node_components(spec.model.n_layers)
    for node in spec.hardware.nodes:
        if node not in nodes:
            issues.append(
                _issue(
                    document,
                    ("hardware", "nodes", node),
                    f"{node!r} is not a node of this model; nodes: {', '.join(nodes)}",
                )
            )
    if board is not None:
        for field, message in spec.budget.over_capacity(board):
            issues.append(_issue(document, ("budget", field), message))
    return issues


def _follow_dataset(document: Document) -> None:
    """model.n_features and model.window, where no spec of the chain writes them, follow
    the data set: the number of dataset.features and dataset.window (a mismatch can then
    only be written, and is reported where it is)."""
    model, dataset = document.data.get("model"), document.data.get("dataset")
    if not (isinstance(model, dict) and isinstance(dataset, dict)):
        return
    followed = {"n_features": ("features", len(dataset["features"])
                               if isinstance(dataset.get("features"), list) else None),
                "window": ("window", dataset.get("window"))}  # fmt: skip
    for field, (source, value) in followed.items():
        if field not in model and value is not None:
            model[field] = value
            document.marks[("model", field)] = document.mark(("dataset", source))


def load_spec(file: str | Path) -> LoadedSpec:
    """Load, merge and validate a spec file with its board and dataset manifest.

    Raises `SpecError` listing every problem found, each located to file, line and column.
    """
    file = Path(file)
    document = _resolve_extends(file, [])
    issues: list[SpecIssue] = []

    manifest: DatasetManifest | None = None
    manifest_file, found = _named_file(
        document, ("dataset", "manifest"), "datasets", "dataset manifest"
    )
    issues += found
    if manifest_file is not None:
        manifest, found = _load_named(DatasetManifest, manifest_file)
        issues += found
        if manifest is not None:
            manifest = manifest.located(manifest_file.parent)
        # its defaults are merged even when the manifest has errors of its own: the spec is
        # then checked as it would be, without a cascade of "required field is missing"
        if isinstance(document.data.get("dataset"), dict):
            source = read_yaml(manifest_file)
            if isinstance(source.data.get("defaults"), dict):
                document = merge(rebase(source, ("defaults",), ("dataset",)), document)

    _follow_dataset(document)

    board: Board | None = None
    board_file, found = _named_file(document, ("board",), "boards", "board")
    issues += found
    if board_file is not None:
        board, found = _load_named(Board, board_file)
        issues += found

    spec: Spec | None = None
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as e:
        issues += validation_issues(e, document, Spec)
    if spec is not None:
        issues += _cross_checks(document, spec, board, manifest)

    if issues or spec is None or board is None:
        raise SpecError(sorted(set(issues), key=lambda i: (str(i.file), i.line, i.col, i.path)))
    root = board_file.parent.parent if board_file else file.parent
    return LoadedSpec(path=file, root=root, spec=spec, board=board, manifest=manifest)


def load_board(file: Path) -> Board:
    """The board file `file` (`boards/<name>.yaml`), validated; SpecError locates each problem."""
    board, issues = _load_named(Board, file)
    if issues or board is None:
        raise SpecError(issues)
    result: Board = board
    return result
