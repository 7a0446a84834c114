"""Validation's pure parts: random configurations, the resumable journal, the error table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from resq.estimator.estimate import Estimator
from resq.estimator.executor import Executor
from resq.estimator.kdb import KnowledgeBase
from resq.estimator.validate import Sample, Validation, compare, config_digest, draw
from resq.spec import Resources, load_spec

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
SPEC = REPO / "specs" / "beijing-o3.yaml"
MadeUpKdb = Callable[..., KnowledgeBase]


def test_random_configurations_are_valid_mixed_and_reproducible() -> None:
    loaded = load_spec(SPEC)
    configs = draw(loaded, 8, seed=3)
    assert [config_digest(c) for c in configs] == [config_digest(c) for c in draw(loaded, 8, 3)]
    assert len({config_digest(c) for c in configs}) == 8
    for config in configs:
        assert config.problems(loaded.spec.model.n_layers) == []
    widths = {c.components["MHA"].outputs for c in configs}
    pars = {c.choice("l0_ffn1", "FFN").parallelism for c in configs}
    assert len(widths) > 1 and len(pars) > 1


def test_measured_samples_are_not_measured_again_and_a_torn_line_is_skipped(
    tmp_path: Path,
) -> None:
    loaded = load_spec(SPEC)
    configs = draw(loaded, 3, seed=1)
    journal = tmp_path / "v.jsonl"
    first = Validation(journal)
    for i, config in enumerate(configs):
        first.add(Sample(config=config, measured=Resources(lut=100 + i), seconds=1.0))
    with journal.open("a") as handle:
        handle.write('{"config": {"format_ver')
    again = Validation(journal)
    # every configuration is in the journal: no whole-model synthesis starts (it would fail
    # here on purpose: the dask executor points at a scheduler that does not exist)
    samples = again.run(loaded, configs, CORES, Executor("dask", scheduler="tcp://192.0.2.1:1"))
    assert [s.measured.lut for s in samples] == [100, 101, 102]


def test_the_comparison_counts_errors_and_verdicts(made_up_kdb: MadeUpKdb) -> None:
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    config = draw(loaded, 1, seed=5)[0]
    estimator = Estimator(made_up_kdb(config, lut=10.0), CORES)
    estimated = estimator.estimate(loaded, config).total
    low = Sample(config=config, measured=estimated.model_copy(update={
        "lut": estimated.lut * 1.25, "cycles": None}), seconds=1.0)  # fmt: skip
    over = Sample(config=config, measured=estimated.model_copy(update={
        "lut": 9000.0, "cycles": None}), seconds=1.0)  # fmt: skip
    comparison = compare(estimator, loaded, [low, over])
    lut = next(e for e in comparison.errors if e.resource == "lut")
    expected = [-20.0, (estimated.lut - 9000) / 9000 * 100]
    assert lut.mean_signed == pytest.approx(sum(expected) / 2)
    assert lut.max_abs == pytest.approx(max(abs(e) for e in expected))
    ff = next(e for e in comparison.errors if e.resource == "ff")
    assert ff.mean_abs == 0 and ff.exact == 1
    assert comparison.verdicts_agree == 1  # the second design does not fit; the estimate does
