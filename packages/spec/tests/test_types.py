"""Shared types: names, resources, budgets, the bit configuration, the namespace layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from resq.spec import BitConfig, EngineChoice, Resources, load_spec
from resq.spec.bitconfig import PRODUCER
from resq.spec.names import is_name, vhdl_identifier


@pytest.mark.parametrize("name", ["airu", "elasticnode-v5", "beijing_o3", "a1"])
def test_valid_names(name: str) -> None:
    assert is_name(name)


@pytest.mark.parametrize(
    "name", ["x; rm -rf /", "../../etc", "a/b", "A", "a--b", "a-", "1a", "a b", "$(x)", "a" * 65]
)
def test_invalid_names(name: str) -> None:
    assert not is_name(name)


def test_vhdl_identifier_replaces_hyphens() -> None:
    assert vhdl_identifier("beijing-o3") == "beijing_o3"
    with pytest.raises(ValueError, match="not a valid resq name"):
        vhdl_identifier("a;b")


def test_resources_add_and_fit() -> None:
    a = Resources(lut=100, dsp=2, bram36=0.5, cycles=10)
    b = Resources(lut=50, dsp=1, bram36=0.5, cycles=5)
    total = a + b
    assert (total.lut, total.dsp, total.bram36, total.cycles) == (150, 3, 1.0, 15)
    limits = Resources(lut=140, dsp=20, bram36=10, lutram=0, ff=0, cycles=100)
    assert total.exceeded(limits) == ["lut"]
    assert not total.fits(limits)


def test_lut_ram_counts_against_the_luts() -> None:
    """The design session 6 reported as fitting: 7,954 logic + 761 LUT-RAM = 8,715 LUTs."""
    xc7s15 = Resources(lut=8000, lutram=2400, ff=16000, bram36=10, dsp=20)
    design = Resources(lut=7954, lutram=761, ff=4730, dsp=17, cycles=14312)
    assert design.total_lut == 8715
    assert design.exceeded(xc7s15) == ["lut"]
    assert not design.fits(xc7s15)
    assert design.utilisation(xc7s15)["lut"] == pytest.approx(8715 / 8000)
    assert design.slack(xc7s15)["lut"] == -715
    assert Resources(lut=5000, lutram=2401).exceeded(xc7s15) == ["lutram"]
    assert Resources(lut=5600, lutram=2400).fits(xc7s15)


def test_crowded_flags_resources_above_80_percent() -> None:
    xc7s15 = Resources(lut=8000, lutram=2400, ff=16000, bram36=10, dsp=20)
    design = Resources(lut=6000, lutram=761, ff=4730, dsp=17)
    assert design.fits(xc7s15)
    assert design.crowded(xc7s15) == ["lut", "dsp"]


def test_percentage_budget_resolves_against_the_board(repo: Path) -> None:
    loaded = load_spec(repo / "specs" / "airu.yaml")
    assert loaded.limits().lut == 7200  # 90 %: the routing margin
    assert loaded.limits().dsp == 20
    assert loaded.limits().cycles == 20000


def test_bitconfig_applies_defaults_then_overrides(repo: Path) -> None:
    loaded = load_spec(repo / "specs" / "beijing-o3-mixed.yaml")
    config = BitConfig.from_spec(loaded.spec)
    assert config.components["Loutput"].weights == 8
    assert config.components["FFN"].weights == 4
    assert config.components["FFN"].multiplier == "lut"
    assert len(config.components) == 10


def test_bitconfig_inputs_are_the_producers_outputs(repo: Path) -> None:
    config = BitConfig.from_spec(load_spec(repo / "specs" / "beijing-o3-mixed.yaml").spec)
    assert config.components["GAP"].outputs == 8
    assert config.components["Loutput"].inputs == 8
    for name, producer in PRODUCER.items():
        assert config.components[name].inputs == config.components[producer].outputs


def test_bitconfig_resolves_search_to_the_baseline(repo: Path) -> None:
    config = BitConfig.from_spec(load_spec(repo / "specs" / "airu.yaml").spec)
    assert {c.storage for c in config.components.values()} == {"auto"}
    assert {c.parallelism for c in config.components.values()} == {1}


def test_bitconfig_of_an_engine_spec_carries_its_lanes(repo: Path) -> None:
    config = BitConfig.from_spec(load_spec(repo / "specs" / "beijing-o3-engine.yaml").spec)
    assert config.architecture == "engine"
    assert config.engine == EngineChoice(lanes=16, multiplier="dsp", storage="auto")
    assert config.with_hardware(parallelism=8, multiplier="lut").engine == EngineChoice(
        lanes=8, multiplier="lut", storage="auto"
    )
    dataflow = BitConfig.from_spec(load_spec(repo / "specs" / "beijing-o3-uniform8.yaml").spec)
    assert dataflow.architecture == "dataflow" and dataflow.engine is None
    with pytest.raises(ValidationError, match="exactly when architecture is engine"):
        dataflow.model_validate({**dataflow.model_dump(), "architecture": "engine"})
    with pytest.raises(ValidationError, match="engine lanes 12: expected a power of two"):
        EngineChoice(lanes=12)


def test_resq_is_a_namespace_package(repo: Path) -> None:
    for package in (repo / "packages").iterdir():
        if (package / "src" / "resq").is_dir():
            assert not (package / "src" / "resq" / "__init__.py").exists(), package.name
