"""Bad specs: exit code 2, FILE:LINE:COL, the field path, no traceback, all errors at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from resq.spec.discovery import discover_stages

GOOD = """\
name: good
dataset:
  manifest: beijing-air
model:
  kind: transformer
  n_features: 7
  window: 24
board: elasticnode-v5
"""


def write(project: Path, text: str, name: str = "bad.yaml") -> Path:
    path = project / "specs" / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_reported(result, file: Path, line: int, col: int, field: str, message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    pattern = rf"{re.escape(str(file))}:{line}:{col}: {re.escape(field)}: .*{message}"
    assert re.search(pattern, result.stderr), result.stderr


def test_good_spec_validates(project: Path, run_spec) -> None:
    result = run_spec("validate", str(write(project, GOOD, "good.yaml")))
    assert result.returncode == 0, result.stderr


def test_wrong_type_is_located(project: Path, run_spec) -> None:
    file = write(project, GOOD + "training:\n  epochs: many\n")
    assert_reported(
        run_spec("validate", str(file)), file, 10, 3, "training.epochs", "valid integer"
    )


def test_unknown_key_suggests_the_right_one(project: Path, run_spec) -> None:
    file = write(project, GOOD.replace("  window: 24\n", "  window: 24\n  d_modle: 16\n"))
    assert_reported(
        run_spec("validate", str(file)), file, 8, 3, "model.d_modle", "did you mean 'd_model'"
    )


def test_unknown_range_is_located(project: Path, run_spec) -> None:
    file = write(project, GOOD + "quantization:\n  range: median\n")
    assert_reported(
        run_spec("validate", str(file)),
        file,
        10,
        3,
        "quantization.range",
        "'minmax', 'ema', 'mse' or 'lsq'",
    )


def test_engine_lanes_must_be_a_power_of_two(project: Path, run_spec) -> None:
    file = write(project, GOOD + "hardware:\n  architecture: engine\n  parallelism: 12\n")
    assert_reported(run_spec("validate", str(file)), file, 11, 3, "hardware.parallelism",
                    "parallelism 12: under architecture engine it is the engine's lanes, a power of two")  # fmt: skip
    file = write(
        project, GOOD + "hardware:\n  architecture: engine\n  storage: search\n", "bad3.yaml"
    )
    result = run_spec("validate", str(file))
    assert (
        result.returncode == 2
        and "architecture engine: storage cannot be search yet" in result.stderr
    )
    file = write(project, GOOD + "hardware:\n  architecture: systolic\n", "bad2.yaml")
    assert_reported(run_spec("validate", str(file)), file, 10, 3, "hardware.architecture",
                    "'dataflow', 'engine' or 'search'")  # fmt: skip


def test_distillation_outside_0_to_1_is_located(project: Path, run_spec) -> None:
    file = write(project, GOOD + "training:\n  distillation: 1.5\n")
    assert_reported(
        run_spec("validate", str(file)), file, 10, 3, "training.distillation", "less than or"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [("fast", "or 'auto', got 'fast'"), ("0", "learning rate 0 is out of range")],
)
def test_a_qat_rate_is_a_number_or_auto(project: Path, run_spec, value: str, message: str
                                       ) -> None:  # fmt: skip
    file = write(project, GOOD + f"training:\n  qat_lr: {value}\n")
    assert_reported(run_spec("validate", str(file)), file, 10, 3, "training.qat_lr", message)


def test_a_weight_average_decay_of_1_is_located(project: Path, run_spec) -> None:
    file = write(project, GOOD + "training:\n  qat_average: 1\n")
    assert_reported(
        run_spec("validate", str(file)), file, 10, 3, "training.qat_average", "less than 1"
    )


def test_ema_momentum_must_lie_in_0_to_1(project: Path, run_spec) -> None:
    file = write(project, GOOD + "quantization:\n  range: ema\n  ema_momentum: 0\n")
    assert_reported(
        run_spec("validate", str(file)), file, 11, 3, "quantization.ema_momentum", "greater than 0"
    )


@pytest.mark.parametrize("bits", [1, 17])
def test_bits_outside_2_to_16_are_rejected(project: Path, bits: int, run_spec) -> None:
    file = write(project, GOOD + f"quantization:\n  default_bits: {bits}\n")
    assert_reported(
        run_spec("validate", str(file)), file, 10, 3, "quantization.default_bits", f"got {bits}"
    )


def test_component_bits_are_checked(project: Path, run_spec) -> None:
    file = write(project, GOOD + "quantization:\n  components:\n    FFN: {weights: 17}\n")
    assert_reported(
        run_spec("validate", str(file)), file, 11, 11, "quantization.components.FFN.weights", "16"
    )


def test_inputs_that_contradict_the_producer_name_the_producer(project: Path, run_spec) -> None:
    text = "quantization:\n  default_bits: 4\n  components:\n    Loutput: {inputs: 8}\n"
    file = write(project, GOOD + text)
    assert_reported(
        run_spec("validate", str(file)), file, 12, 15, "quantization.components.Loutput.inputs",
        "differs from GAP.outputs 4.*set quantization.components.GAP.outputs",
    )  # fmt: skip


def test_an_unknown_node_in_hardware_nodes_is_located(project: Path, run_spec) -> None:
    text = "hardware:\n  nodes:\n    l0_ffn1: {parallelism: 4}\n    l1_ffn1: {parallelism: 2}\n"
    file = write(project, GOOD + text)
    assert_reported(
        run_spec("validate", str(file)), file, 12, 5, "hardware.nodes.l1_ffn1",
        "'l1_ffn1' is not a node of this model; nodes: linput, add_pe, l0_mha_query",
    )  # fmt: skip


def test_a_bitconfig_file_that_does_not_fit_the_model_is_refused(project: Path, run_spec) -> None:
    config = project / "config.yaml"
    config.write_text("components: {}\nnodes: {l0_ffn1: {parallelism: 65}}\n")
    result = run_spec("run", str(write(project, GOOD, "good.yaml")), "--config", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{config}: not a BitConfig: nodes.l0_ffn1.parallelism" in result.stderr, result.stderr


def test_budget_over_100_percent_is_rejected(project: Path, run_spec) -> None:
    file = write(project, GOOD + "budget:\n  lut: 120%\n")
    assert_reported(run_spec("validate", str(file)), file, 10, 3, "budget.lut", "over 100%")


def test_absolute_budget_over_the_board_is_rejected(project: Path, run_spec) -> None:
    file = write(project, GOOD + "budget:\n  dsp: 30\n")
    assert_reported(run_spec("validate", str(file)), file, 10, 3, "budget.dsp", "over the 20")


def test_missing_board_file_is_named(project: Path, run_spec) -> None:
    file = write(project, GOOD.replace("elasticnode-v5", "elasticnode-v6"))
    result = run_spec("validate", str(file))
    assert_reported(result, file, 8, 1, "board", "not found")
    assert str(project / "boards" / "elasticnode-v6.yaml") in result.stderr
    assert "did you mean 'elasticnode-v5'" in result.stderr


def test_missing_dataset_manifest_is_named(project: Path, run_spec) -> None:
    file = write(project, GOOD.replace("beijing-air", "beijing-water"))
    assert_reported(run_spec("validate", str(file)), file, 3, 3, "dataset.manifest", "not found")


def test_extends_cycle_is_detected(project: Path, run_spec) -> None:
    a = write(project, "extends: b.yaml\nname: a\n", "a.yaml")
    write(project, "extends: a.yaml\nname: b\n", "b.yaml")
    result = run_spec("validate", str(a))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(
        r"b\.yaml:1:1: extends: extends cycle: a\.yaml -> b\.yaml -> a\.yaml", result.stderr
    )


def test_missing_parent_is_named(project: Path, run_spec) -> None:
    file = write(project, "extends: nowhere.yaml\nname: a\n")
    assert_reported(run_spec("validate", str(file)), file, 1, 1, "extends", "parent spec not found")


@pytest.mark.parametrize(
    ("field", "value", "line"),
    [("name", '"x; rm -rf /"', 1), ("board", "../../etc", 8), ("name", "../../etc", 1)],
)
def test_names_with_shell_or_path_characters_are_rejected(
    project: Path, field: str, value: str, line: int, run_spec
) -> None:
    text = re.sub(rf"(?m)^{field}: .*$", f"{field}: {value}", GOOD)
    file = write(project, text)
    assert_reported(run_spec("validate", str(file)), file, line, 1, field, "not a valid name")


def test_extends_outside_the_folder_is_rejected(project: Path, run_spec) -> None:
    file = write(project, "extends: ../../etc/passwd\nname: a\n")
    assert_reported(run_spec("validate", str(file)), file, 1, 1, "extends", "relative path")


def test_two_errors_in_one_file_are_both_reported(project: Path, run_spec) -> None:
    text = (
        GOOD.replace("  window: 24\n", "  window: 24\n  d_modle: 16\n") + "training:\n  epochs: x\n"
    )
    file = write(project, text)
    result = run_spec("validate", str(file))
    assert_reported(result, file, 8, 3, "model.d_modle", "did you mean")
    assert_reported(result, file, 11, 3, "training.epochs", "valid integer")


def test_error_in_a_parent_names_the_parent_file(project: Path, run_spec) -> None:
    parent = write(project, GOOD + "training:\n  lr: fast\n", "parent.yaml")
    child = write(project, "extends: parent.yaml\nname: child\n", "child.yaml")
    assert_reported(run_spec("validate", str(child)), parent, 10, 3, "training.lr", "valid number")


def test_malformed_yaml_is_located(project: Path, run_spec) -> None:
    file = write(project, GOOD + "training: [1, 2\n")
    result = run_spec("validate", str(file))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(rf"{re.escape(str(file))}:\d+:\d+: ", result.stderr)


def test_model_inconsistent_with_dataset_is_rejected(project: Path, run_spec) -> None:
    file = write(project, GOOD.replace("n_features: 7", "n_features: 5"))
    assert_reported(run_spec("validate", str(file)), file, 6, 3, "model.n_features", "differs")


def test_qat_may_not_train_longer_than_its_float_parent(project: Path, run_spec) -> None:
    file = write(project, GOOD + "training:\n  epochs: 50\n  float_epochs: 20\n")
    result = run_spec("validate", str(file))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "training" in result.stderr and "exceed float_epochs 20" in result.stderr


@pytest.mark.parametrize("line", [100, 1234])
def test_a_location_prints_literally_not_as_an_emoji(project: Path, run_spec, line: int) -> None:
    """`:100:` and `:1234:` are emoji codes to a rich console; a location stays as written."""
    padding = "".join(f"# comment {n}\n" for n in range(line - GOOD.count("\n") - 2))
    text = GOOD + padding + "training:\n  epochs: many\n"
    path = write(project, text, f"bad-line{line}.yaml")
    result = run_spec("validate", str(path))
    assert_reported(result, path, line, 3, "training.epochs", "integer")
    assert "💯" not in result.stderr and "🔢" not in result.stderr


def test_markup_in_a_file_name_prints_literally(project: Path, run_spec) -> None:
    """A file named like rich markup is printed as named, not styled away."""
    path = write(project, GOOD + "training:\n  epochs: many\n", "[bold]bad[red].yaml")
    assert_reported(run_spec("validate", str(path)), path, 10, 3, "training.epochs", "integer")


@pytest.mark.parametrize("option", ["--run-dir", "--config"])
def test_an_over_long_path_on_the_command_line_is_one_message(
    project: Path, run_spec, tmp_path: Path, option: str
) -> None:
    if option == "--run-dir" and "train" not in discover_stages():
        pytest.skip("the run directory is written once a stage runs: needs resq-qat installed")
    too_long = tmp_path / ("a" * 300)
    result = run_spec("run", str(write(project, GOOD, "good.yaml")), option, str(too_long),
                      "--stages", "train")  # fmt: skip
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr + result.stdout
    assert "File name too long" in result.stderr and str(too_long) in result.stderr
