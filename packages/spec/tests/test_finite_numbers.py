"""Every number of the spec language is finite and within a stated range, and every list of
names is free of repeats: each bad value is a located error when the spec is loaded, never a
failure later (a NaN loss, an OverflowError, a false "nothing fits")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from resq.spec import SpecError, load_spec
from resq.spec.schema import spec_file_schema

MAP_KEY = "Linput"
"""The key used where the schema has a map (per-component sections)."""
BAD_NUMBERS = (".inf", "-.inf", ".nan", "1e400", str(2**63), str(10**400))


def _numeric_fields() -> list[tuple[str, ...]]:
    """The path of every integer or number in the spec schema (`[]`: an item of a list)."""
    schema = spec_file_schema()
    definitions = schema.get("$defs", {})
    found: dict[tuple[str, ...], None] = {}

    def walk(node: dict[str, Any], path: tuple[str, ...], seen: tuple[str, ...]) -> None:
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            if name not in seen:
                walk(definitions[name], path, (*seen, name))
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, []):
                walk(option, path, seen)
        if node.get("type") in ("integer", "number"):
            found[path] = None
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            walk(node["items"], (*path, "[]"), seen)
        for name, value in node.get("properties", {}).items():
            walk(value, (*path, name), seen)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], (*path, MAP_KEY), seen)

    walk(schema, (), ())
    return list(found)


FIELDS = _numeric_fields()


def _yaml(path: tuple[str, ...], value: str) -> str:
    """A flow-style YAML mapping setting `path` to `value`."""
    text = value
    for part in reversed(path):
        text = f"[{text}]" if part == "[]" else f"{{{part}: {text}}}"
    return text[1:-1]


def test_the_schema_walk_finds_the_numbers() -> None:
    names = {".".join(p) for p in FIELDS}
    assert {"training.weight_decay", "budget.latency_us", "search.objective.area",
            "dataset.horizon", "dataset.step_hours", "quantization.candidate_bits.[]",
            "seed"} <= names  # fmt: skip
    assert len(FIELDS) > 40


@pytest.mark.parametrize("field", FIELDS, ids=[".".join(p) for p in FIELDS])
def test_a_non_finite_or_huge_number_is_a_located_error(project: Path,
                                                         field: tuple[str, ...]) -> None:  # fmt: skip
    for value in BAD_NUMBERS:
        spec = project / "specs" / "bad.yaml"
        spec.write_text(f"extends: beijing-o3.yaml\nname: bad\n{_yaml(field, value)}\n")
        with pytest.raises(SpecError) as raised:
            load_spec(spec)
        named = ".".join(part for part in field if part != "[]")
        # the field named, or (a number too long to read) the place of the number alone
        issues = [issue for issue in raised.value.issues if issue.line == 3
                  and (issue.path.startswith(named) or not issue.path)]  # fmt: skip
        assert issues, f"{named}: {value} passed ({raised.value})"


LISTS = {("dataset", "files"): "[PRSA_Data_Dongsi_20130301-20170228.csv, "
                               "PRSA_Data_Dongsi_20130301-20170228.csv]",
         ("dataset", "time_columns"): "[year, year]",
         ("dataset", "features"): "[PM2.5, PM2.5, PM10, SO2, NO2, CO, TEMP]",
         ("quantization", "candidate_bits"): "[4, 8, 4]",
         ("deploy", "targets"): "[sim, sim]"}  # fmt: skip


@pytest.mark.parametrize("field", list(LISTS), ids=[".".join(p) for p in LISTS])
def test_a_list_that_repeats_a_name_is_a_located_error(project: Path,
                                                       field: tuple[str, ...]) -> None:  # fmt: skip
    spec = project / "specs" / "bad.yaml"
    spec.write_text(f"extends: beijing-o3.yaml\nname: bad\n{_yaml(field, LISTS[field])}\n")
    with pytest.raises(SpecError, match=r"bad\.yaml:3:\d+: " + ".".join(field) + ": .* listed 2 "
                       "times"):  # fmt: skip
        load_spec(spec)
