"""`spec validate`, `spec show` and `spec schema` on the shipped specs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML


def test_every_shipped_spec_validates(run_spec, repo: Path) -> None:
    specs = sorted(str(p) for p in (repo / "specs").glob("*.yaml"))
    assert len(specs) >= 4
    result = run_spec("validate", *specs)
    assert result.returncode == 0, result.stderr


def test_schema_validates_every_shipped_spec(run_spec, repo: Path) -> None:
    result = run_spec("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    yaml = YAML(typ="safe", pure=True)
    for path in sorted((repo / "specs").glob("*.yaml")):
        document = json.loads(json.dumps(yaml.load(path.read_text()), default=str))
        errors = [e.message for e in validator.iter_errors(document)]
        assert not errors, f"{path.name}: {errors}"


def test_schema_rejects_what_the_loader_rejects(run_spec) -> None:
    schema = json.loads(run_spec("schema").stdout)
    validator = jsonschema.Draft202012Validator(schema)
    base = {
        "name": "a",
        "dataset": {"manifest": "beijing-air"},
        "model": {"kind": "transformer", "n_features": 7, "window": 24},
        "board": "elasticnode-v5",
    }
    assert validator.is_valid(base)
    assert not validator.is_valid({**base, "quantization": {"default_bits": 17}})
    assert not validator.is_valid({**base, "budget": {"lut": "120%"}})
    assert not validator.is_valid({**base, "name": "x; rm -rf /"})
    assert not validator.is_valid({**base, "modle": {}})
    assert validator.is_valid({"extends": "base.yaml", "budget": {"lut": "80%"}})
    assert not validator.is_valid({"extends": "../base.yaml"})


def test_show_merges_parents_and_manifest(project: Path, run_spec) -> None:
    result = run_spec("show", str(project / "specs" / "beijing-o3-mixed.yaml"))
    assert result.returncode == 0, result.stderr
    shown = YAML(typ="safe", pure=True).load(result.stdout)
    assert shown["name"] == "beijing-o3-mixed"
    assert shown["quantization"]["default_bits"] == 4  # from beijing-o3-uniform4.yaml
    assert shown["quantization"]["components"]["Loutput"]["weights"] == 8  # the child's own
    assert shown["hardware"]["multiplier"] == "lut"  # from beijing-o3-uniform4.yaml
    assert shown["hardware"]["parallelism"] == 1  # from beijing-o3-uniform8.yaml
    assert shown["training"]["float_epochs"] == 100  # from airu.yaml, three levels up
    assert shown["dataset"]["target"] == "O3"  # from the beijing-air manifest
    assert shown["budget"]["lut"] == "90%"  # the routing margin
    assert "extends" not in shown


def test_show_of_a_bad_spec_exits_2(project: Path, run_spec) -> None:
    file = project / "specs" / "bad.yaml"
    file.write_text("name: Bad Name\n")
    result = run_spec("show", str(file))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_run_rejects_an_unknown_stage(run_spec, repo: Path, tmp_path: Path) -> None:
    result = run_spec(
        "run",
        str(repo / "specs" / "beijing-o3.yaml"),
        "--stages",
        "trian",
        "--run-dir",
        str(tmp_path),
    )
    assert result.returncode == 1
    assert "stage 'trian' is not installed" in result.stderr  # the nearest name: test_runner.py
    assert "Traceback" not in result.stderr


def test_run_of_a_bad_spec_exits_2(project: Path, run_spec) -> None:
    file = project / "specs" / "bad.yaml"
    file.write_text("extends: beijing-o3.yaml\ntraining:\n  epochs: -1\n")
    result = run_spec("run", str(file))
    assert result.returncode == 2
    assert f"{file}:3:3: training.epochs:" in result.stderr
