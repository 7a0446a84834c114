"""Validation's pure parts: random configurations, the resumable journal, the error table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from resq.estimator.estimate import Estimator
from resq.estimator.executor import Executor
from resq.estimator.kdb import KnowledgeBase, shape_key
from resq.estimator.profile import model_blocks
from resq.estimator.space import ELEMENTWISE_IPS
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
    elementwise = {c.choice(b.node, b.component).parallelism for c in draw(loaded, 40, 5)
                   for b in model_blocks(loaded.spec.model) if b.ip in ELEMENTWISE_IPS}  # fmt: skip
    assert elementwise == {1, 2, 4}, "element-wise IPs are drawn at the PAR the grid profiles"


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


def test_the_glue_is_the_ratio_of_sums_and_each_sample_is_judged_without_its_own(
    made_up_kdb: MadeUpKdb,
) -> None:
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    configs = draw(loaded, 3, seed=5)
    kdb = made_up_kdb(configs[0], lut=10.0)
    for config in configs[1:]:
        for key, entry in made_up_kdb(config, lut=10.0).entries.items():
            kdb.entries[key] = entry
    estimator = Estimator(kdb, CORES)
    ratios = [0.8, 0.9, 1.0]  # whole models use 80-100 % of their parts' LUTs
    samples, raws = [], []
    for config, ratio in zip(configs, ratios, strict=True):
        raw = estimator.estimate(loaded, config).total
        measured = raw.model_copy(update={"lut": raw.lut * ratio, "ff": raw.ff * 0.5,
                                          "cycles": None})  # fmt: skip
        samples.append(Sample(config=config, measured=measured, seconds=1.0))
        raws.append(raw.lut)
    comparison = compare(estimator, loaded, samples)
    lut_sum = sum(r * q for r, q in zip(raws, ratios, strict=True))
    assert comparison.glue.scale["lut"] == pytest.approx(lut_sum / sum(raws))
    assert comparison.glue.scale["ff"] == pytest.approx(0.5)
    assert comparison.glue.scale["dsp"] == pytest.approx(1.0)
    ff = next(e for e in comparison.errors if e.resource == "ff")
    assert ff.mean_abs == pytest.approx(0.0) and ff.exact == 1.0
    lut = next(e for e in comparison.errors if e.resource == "lut")
    # left out, sample i gets the ratio of the other two samples' sums
    errors = []
    for i, sample in enumerate(samples):
        others = [j for j in range(3) if j != i]
        scale = sum(raws[j] * ratios[j] for j in others) / sum(raws[j] for j in others)
        errors.append(abs(raws[i] * scale - sample.measured.lut) / sample.measured.lut * 100)
    assert lut.max_abs == pytest.approx(max(errors)) and lut.mean_abs == pytest.approx(
        sum(errors) / 3
    )
    assert lut.mean_abs > 0
    assert comparison.verdicts_agree == 3
    assert comparison.glue.band["lut"] == pytest.approx(lut.mean_abs)

    kdb.glue[shape_key(loaded.spec.model)] = comparison.glue
    with_glue = Estimator(kdb, CORES).estimate(loaded, configs[0])
    raw = estimator.estimate(loaded, configs[0], glue=False).total
    assert with_glue.glue_modelled and with_glue.band == comparison.glue.band
    assert with_glue.total.lut == pytest.approx(raw.lut * comparison.glue.scale["lut"])
