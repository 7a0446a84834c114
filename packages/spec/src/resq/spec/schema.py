"""JSON Schema of a spec file, for editors and external validators.

A file without `extends` must be a complete spec. A file with `extends` states only what it
changes, so every field becomes optional there while types, ranges and names stay checked.
"""

from __future__ import annotations

import copy
from typing import Any

from resq.spec.names import RELATIVE_PATH_PATTERN
from resq.spec.spec import Spec

_PARTIAL = "Partial"


def _partial(node: Any) -> Any:
    """Copy of a schema node with no `required` lists and `$ref`s into the partial `$defs`."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "required":
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = f"#/$defs/{_PARTIAL}{value.removeprefix('#/$defs/')}"
            elif key == "oneOf":
                out["anyOf"] = _partial(value)
            elif key == "discriminator":
                continue
            else:
                out[key] = _partial(value)
        return out
    if isinstance(node, list):
        return [_partial(item) for item in node]
    return node


def spec_file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every file in specs/ validates against."""
    full = Spec.model_json_schema()
    defs = full.pop("$defs", {})
    extends = {
        "type": "string",
        "pattern": RELATIVE_PATH_PATTERN,
        "description": "parent spec, relative to this file; this file's keys win",
    }
    complete = copy.deepcopy(full)
    complete["properties"]["extends"] = {"not": {}}
    complete["properties"]["dataset"] = {
        "description": "complete, or naming a manifest whose defaults fill the rest",
        "anyOf": [
            {"$ref": "#/$defs/DatasetSpec"},
            {"allOf": [{"$ref": f"#/$defs/{_PARTIAL}DatasetSpec"}, {"required": ["manifest"]}]},
        ],
    }
    partial = _partial(full)
    partial["properties"]["extends"] = extends
    partial["required"] = ["extends"]
    all_defs = dict(defs)
    all_defs.update({f"{_PARTIAL}{name}": _partial(value) for name, value in defs.items()})
    all_defs["CompleteSpec"] = complete
    all_defs["PartialSpec"] = partial
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "resq spec",
        "description": "A resq spec file (complete, or partial with `extends`).",
        "anyOf": [{"$ref": "#/$defs/PartialSpec"}, {"$ref": "#/$defs/CompleteSpec"}],
        "$defs": all_defs,
    }
