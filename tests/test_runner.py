"""The stage runner, driven by the stage package in tests/stagepkg (never installed)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from resq.spec import StageError, load_spec
from resq.spec.discovery import discover_stages
from resq.spec.runner import Runner
from resq.spec.spec import LoadedSpec
from resq.spec.stage import Stage, StageContext, stage_order

REPO = Path(__file__).resolve().parents[1]
GROUP = "resq.test_stages"


@pytest.fixture()
def stages(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.syspath_prepend(str(REPO / "tests" / "stagepkg"))
    monkeypatch.delenv("RESQ_TEST_FAIL", raising=False)
    return discover_stages(GROUP)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def runner(project: Path, stages: dict, spec: str = "beijing-o3.yaml") -> Runner:
    loaded = load_spec(project / "specs" / spec)
    return Runner(loaded, stages, project / "runs" / "job")


def calls(project: Path) -> list[str]:
    path = project / "runs" / "calls.txt"
    return path.read_text().split() if path.exists() else []


def test_stages_are_found_through_entry_points(stages: dict) -> None:
    assert set(stages) == {"train", "sensitivity"}
    assert stages["train"].provider == "resq-teststages 0.1.0"


def test_second_run_skips_cached_stages(project: Path, stages: dict) -> None:
    first = runner(project, stages).run(["train", "sensitivity"])
    assert calls(project) == ["train", "sensitivity"]
    assert first["stages"]["train"]["cached"] is False
    second = runner(project, stages).run(["train", "sensitivity"])
    assert calls(project) == ["train", "sensitivity"]
    assert second["stages"]["train"]["cached"] is True
    assert second["stages"]["sensitivity"]["cached"] is True
    summary = json.loads((project / "runs" / "job" / "summary.json").read_text())
    assert summary["stages"]["train"]["rmse"] == 1.5


def test_a_failing_stage_leaves_no_artifact_and_only_it_is_redone(
    project: Path, stages: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESQ_TEST_FAIL", "sensitivity")
    first = runner(project, stages)
    with pytest.raises(StageError, match="stage 'sensitivity' failed: RuntimeError: injected"):
        first.run(["train", "sensitivity"])
    run_dir = project / "runs" / "job"
    assert (first.artifact("train") / "stage.json").is_file()
    assert not first.artifact("sensitivity").exists()
    assert not any((run_dir / ".partial").iterdir())
    assert "injected failure" in (run_dir / "logs" / "sensitivity.log").read_text()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert "sensitivity" not in summary["stages"]

    monkeypatch.delenv("RESQ_TEST_FAIL")
    second = runner(project, stages).run(["train", "sensitivity"])
    assert calls(project) == ["train", "sensitivity", "sensitivity"]
    assert second["stages"]["train"]["cached"] is True
    assert second["stages"]["sensitivity"]["resumed"] is True
    artifact = first.artifact("sensitivity")
    assert sorted(p.name for p in artifact.iterdir()) == ["part1.json", "part2.json", "stage.json"]
    assert not (run_dir / ".scratch" / artifact.parent.name).exists()


def test_a_changed_section_invalidates_the_stage_and_its_dependents(
    project: Path, stages: dict
) -> None:
    runner(project, stages).run(["train", "sensitivity"])
    spec = project / "specs" / "beijing-o3.yaml"
    spec.write_text(spec.read_text() + "training:\n  epochs: 3\n")
    summary = runner(project, stages).run(["train", "sensitivity"])
    assert calls(project) == ["train", "sensitivity", "train", "sensitivity"]
    assert summary["stages"]["train"]["epochs"] == 3


def test_an_unrelated_section_keeps_the_cache(project: Path, stages: dict) -> None:
    runner(project, stages).run(["train"])
    spec = project / "specs" / "beijing-o3.yaml"
    spec.write_text(spec.read_text() + "search:\n  top_k: 9\n")
    runner(project, stages).run(["train"])
    assert calls(project) == ["train"]


def test_a_missing_stage_package_is_named(project: Path, stages: dict) -> None:
    with pytest.raises(StageError, match=r"stage 'search' is not installed: no installed package "
                       r"registers it .*\(installed: train, sensitivity;"):  # fmt: skip
        runner(project, stages).plan(["train", "search"])


def test_an_upstream_artifact_must_exist(project: Path, stages: dict) -> None:
    with pytest.raises(StageError, match=r"needs the artifact of 'train'.*--stages train"):
        runner(project, stages).run(["sensitivity"])
    runner(project, stages).run(["train"])
    runner(project, stages).run(["sensitivity"])
    assert calls(project) == ["train", "sensitivity"]


def test_unknown_stage_is_rejected(project: Path, stages: dict) -> None:
    with pytest.raises(
        StageError, match=r"stage 'trian' is not installed \(did you mean 'train'\?\)"
    ):
        runner(project, stages).plan(["trian"])


class _Searching(Stage):
    """A stage that applies only to specs whose hardware the search chooses."""

    name = "sensitivity"
    inputs = ("train",)

    def applies(self, loaded: LoadedSpec) -> str | None:
        return None if loaded.spec.hardware.searched() else "nothing is searched"

    def run(self, context: StageContext) -> dict[str, Any]:
        return {}


def test_a_stage_that_does_not_apply_is_left_out_unless_named(project: Path, stages: dict) -> None:
    stages = {**stages, "sensitivity": _Searching()}
    fixed = runner(project, stages, "beijing-o3-uniform8.yaml")
    assert fixed.plan(["train", "sensitivity"], named=False) == ["train"]
    with pytest.raises(StageError, match="stage 'sensitivity' does not apply: nothing is"):
        fixed.plan(["train", "sensitivity"])
    searched = runner(project, stages, "beijing-o3.yaml")
    assert searched.plan(["train", "sensitivity"], named=False) == ["train", "sensitivity"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_run_directory_is_one_line_and_keeps_the_summary(
    project: Path, stages: dict, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    runner(project, stages).run(["train"])
    summary = project / "runs" / "job" / "summary.json"
    before = summary.read_text()
    real = os.replace

    def refused(source: Any, target: Any) -> None:  # every atomic write ends in a rename
        if str(target).startswith(str(project / "runs")):
            raise OSError(code, os.strerror(code), str(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", refused)
    for selected in (["train"], ["train", "sensitivity"]):  # all cached; one to run
        with pytest.raises(StageError) as raised:
            runner(project, stages).run(selected)
        message = str(raised.value)
        assert len(message.splitlines()) == 1
        assert f"cannot write the run directory {project / 'runs' / 'job'}" in message
        assert os.strerror(code) in message
    assert summary.read_text() == before and json.loads(before)["stages"]["train"]
    assert not list((project / "runs" / "job").glob("**/.*.tmp")), "no temporary file is left"


class _Before(Stage):
    name = "before"
    after = ("later",)

    def run(self, context: StageContext) -> dict[str, Any]:
        return {}


class _Later(Stage):
    name = "later"
    inputs = ("before",)

    def run(self, context: StageContext) -> dict[str, Any]:
        return {}


def test_stages_that_wait_on_each_other_are_named() -> None:
    with pytest.raises(StageError, match=r"the stages before, later wait on each other"):
        stage_order({"before": _Before(), "later": _Later()})


def test_the_installed_stages_run_in_the_order_their_inputs_and_after_give() -> None:
    assert stage_order(discover_stages()) == [
        "train", "baselines", "sensitivity", "search", "candidates", "generate", "estimate",
        "simulate", "synthesize", "report"]  # fmt: skip
