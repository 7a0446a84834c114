"""Estimates from a knowledge base: measured points, fitted families, cycles, the fit verdict."""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from resq.estimator.estimate import EstimateError, Estimator
from resq.estimator.fit import FittedModel, features
from resq.estimator.kdb import KdbEntry, KnowledgeBase, ProfilePoint, Toolchain, save_kdb
from resq.estimator.profile import buffer_point, input_buffer_point, ip_points, model_blocks
from resq.estimator.space import Space
from resq.estimator.tables import COLUMNS, Tables
from resq.estimator.validate import draw
from resq.hdlgen.cores import ip_digest
from resq.hdlgen.cycles import SEQUENCER_CYCLES, ip_cycles
from resq.spec import BitConfig, Resources, load_spec

MadeUpKdb = Callable[..., KnowledgeBase]

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
YOSYS = Toolchain(route="yosys", versions={"yosys": "test", "ghdl": "test"})


def _linear(bits: tuple[int, int, int], rows: int, par: int = 4) -> ProfilePoint:
    generics = {"ROWS": rows, "IN_FEATURES": 16, "OUT_FEATURES": 16, "INPUT_BITS": bits[0],
                "WEIGHT_BITS": bits[1], "OUTPUT_BITS": bits[2], "PAR": par,
                "MULT_STYLE": "lut", "MULTIPLIER": 20000 + bits[2], "INPUT_ZERO": 3,
                "WEIGHT_ZERO": 0, "ACC_BITS": bits[0] + bits[1] + 4}  # fmt: skip
    return ProfilePoint(block="linear", generics=generics)


def _entry(point: ProfilePoint, truth: np.ndarray) -> KdbEntry:
    lut, ff = features(point) @ truth
    return KdbEntry(point=point, resources=Resources(lut=lut, ff=ff), source_digest="d",
                    seconds=1.0)  # fmt: skip


def test_a_family_fits_points_it_never_saw_and_reports_its_leave_out_error() -> None:
    truth = np.array([[100, 40], [3, 1], [5, 2], [2, 1], [9, 0], [1, 0.5]])  # 1, b1..b3, A, R
    seen = [(4, 4, 4), (6, 6, 6), (8, 8, 8), (4, 8, 8), (6, 8, 8), (8, 4, 8), (8, 6, 8),
            (8, 8, 4), (8, 8, 6)]  # fmt: skip
    entries = [_entry(_linear(b, 24), truth) for b in seen]
    entries += [_entry(_linear(b, r), truth) for b in seen[:3] for r in (12, 18)]
    model = FittedModel(entries)
    unseen = _linear((4, 6, 8), 12)
    expected = features(unseen) @ truth
    predicted = model.predict(unseen)
    assert predicted is not None
    assert (predicted.lut, predicted.ff) == pytest.approx(tuple(expected), abs=1e-6)
    assert model.predict(_linear((4, 6, 8), 12, par=8)) is None  # another family
    errors = model.leave_one_out()
    assert errors["lut"] < 1e-9 and errors["total_lut"] < 1e-9


def test_a_family_of_few_points_answers_with_the_nearest() -> None:
    entries = [KdbEntry(point=ProfilePoint(block="buffer", generics={
        "DEPTH": 24, "WIDTH": w, "RAM_STYLE": "block"}), resources=Resources(bram36=w / 64),
        source_digest="d", seconds=1.0) for w in (64, 128)]  # fmt: skip
    model = FittedModel(entries)
    near = model.predict(ProfilePoint(block="buffer", generics={"DEPTH": 24, "WIDTH": 120,
                                                                "RAM_STYLE": "block"}))  # fmt: skip
    assert near == Resources(bram36=2)


def test_an_estimate_sums_measured_parts_and_formula_cycles(made_up_kdb: MadeUpKdb) -> None:
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    config = BitConfig.from_spec(loaded.spec).with_hardware(parallelism=16, multiplier="lut",
                                                              storage="distributed")  # fmt: skip
    kdb = made_up_kdb(config)
    result = Estimator(kdb, CORES).estimate(loaded, config)
    parts = sum(4 if n.ip == "linear" else 2 for n in result.nodes) + 2  # AddPE's table, input
    assert result.total.lut == 10 * parts and result.total.ff == parts
    assert all(not n.fitted for n in result.nodes)
    assert (
        result.total.cycles == sum(n.resources.cycles or 0 for n in result.nodes) + SEQUENCER_CYCLES
    )
    linput = result.nodes[0]
    assert linput.choice.parallelism == 7  # clamped to its 7 input features
    assert linput.resources.cycles == ip_cycles("linear", {"ROWS": 24, "IN_FEATURES": 7,
                                                          "OUT_FEATURES": 16, "PAR": 7})  # fmt: skip
    assert result.fits and result.utilisation["lut"] == pytest.approx(10 * parts / 8000)
    assert result.latency_us == pytest.approx(result.total.cycles / 100)
    crowded = Estimator(made_up_kdb(config, lut=800.0), CORES).estimate(loaded, config)
    assert not crowded.fits and crowded.exceeded == ["lut"]
    assert crowded.slack["lut"] == pytest.approx(0.9 * 8000 - 800 * parts)


def test_a_point_without_any_family_is_a_clear_error() -> None:
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    config = BitConfig.from_spec(loaded.spec)
    empty = KnowledgeBase(part_family="xc7", toolchain=YOSYS)
    with pytest.raises(EstimateError, match="no linear with ROWS=24, IN_FEATURES=7"):
        Estimator(empty, CORES).estimate(loaded, config)


def _spec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["spec", *args], capture_output=True, text=True, timeout=120,
                          cwd=REPO)  # fmt: skip


def test_spec_estimate_prints_nodes_and_the_verdict(tmp_path: Path, made_up_kdb: MadeUpKdb
                                                    ) -> None:  # fmt: skip
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    baseline = BitConfig.from_spec(loaded.spec)
    save_kdb(tmp_path / "xc7-yosys-ghdl-test-yosys-test.json", made_up_kdb(baseline))
    slow = _spec("estimate", "specs/airu.yaml", "--kdb", str(tmp_path))
    assert slow.returncode == 1, slow.stderr
    assert "hardware.storage, hardware.parallelism, hardware.multiplier are `search`" in slow.stderr
    assert "does not fit" in slow.stderr and "over in cycles by" in slow.stderr
    fast = baseline.with_hardware(parallelism=16, multiplier="lut", storage="distributed")
    config = tmp_path / "config.json"
    config.write_text(fast.model_dump_json())
    save_kdb(tmp_path / "xc7-yosys-ghdl-test-yosys-test.json", made_up_kdb(fast))
    out = tmp_path / "estimate.json"
    done = _spec("estimate", "specs/airu.yaml", "--config", str(config), "--kdb", str(tmp_path),
                 "--json", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "l0_mha_attention" in done.stdout and "fits" in done.stderr
    assert json.loads(out.read_text())["fits"] is True
    save_kdb(tmp_path / "xc7-yosys-ghdl-test-yosys-test.json", made_up_kdb(fast, lut=900.0))
    over = _spec("estimate", "specs/airu.yaml", "--config", str(config), "--kdb", str(tmp_path))
    assert over.returncode == 1 and "over in lut by" in over.stderr, over.stderr
    missing = _spec("estimate", "specs/airu.yaml", "--kdb", str(tmp_path / "none"))
    assert missing.returncode == 1 and "expected one knowledge base of xc7" in missing.stderr
    assert "Traceback" not in missing.stderr + over.stderr


SMALL = Space(bits=(4, 8), parallelism=(1, 16), multipliers=("lut",),
              storages=("distributed", "block"))  # fmt: skip


def _space_kdb(space: Space) -> KnowledgeBase:
    """Every point of the airu model's nodes over `space`, each with made-up resources that
    differ from point to point."""
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    kdb = KnowledgeBase(part_family="xc7", toolchain=YOSYS)
    for block in model_blocks(loaded.spec.model):
        names = list(block.widths)
        for widths in itertools.product(space.bits, repeat=len(names)):
            bits = dict(zip(names, widths, strict=True))
            for par, multiplier in itertools.product(space.parallelism, space.multipliers):
                for point in ip_points(block, 24, bits, par, multiplier):
                    kdb.add(_made_up(point))
        for width, storage in itertools.product(space.bits, space.storages):
            kdb.add(_made_up(buffer_point(block, 24, width, storage)))
            if block.input_features:
                kdb.add(_made_up(input_buffer_point(block, 24, width, storage)))
    return kdb


def _made_up(point: ProfilePoint) -> KdbEntry:
    n = int(point.key()[:6], 16)
    return KdbEntry(point=point, resources=Resources(lut=n % 97, lutram=n % 5, ff=n % 31,
                                                     bram36=(n % 3) / 2, dsp=n % 2),
                    source_digest=ip_digest(CORES, point.block), seconds=1.0)  # fmt: skip


def test_tables_score_a_batch_exactly_as_the_estimator_does() -> None:
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    estimator = Estimator(_space_kdb(SMALL), CORES)
    tables = Tables.build(estimator, loaded, SMALL)
    configs = draw(loaded, 12, seed=4, space=SMALL)
    scores = tables.score(tables.batch(configs))
    for config, score in zip(configs, scores, strict=True):
        total = estimator.estimate(loaded, config).total
        expected = [*(getattr(total, kind) for kind in COLUMNS[:-1]), total.cycles]
        assert score.tolist() == pytest.approx(expected, abs=1e-9)
