"""Fixtures: small synthetic windows, a briefly trained quantized model, the real data home."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from resq.spec import COMPONENTS, BitConfig, load_spec
from resq.spec.data import MinMax, Split, WindowedData
from resq.spec.model import TransformerModel
from resq.spec.training import TrainingSpec

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def beijing_home() -> Path:
    """$RESQ_DATA_HOME holding beijing-air/; skipped outside CI when absent, failed inside."""
    home = os.environ.get("RESQ_DATA_HOME")
    if not home or not (Path(home) / "beijing-air").is_dir():
        if os.environ.get("CI"):
            pytest.fail("RESQ_DATA_HOME must point at the shared datasets in CI")
        pytest.skip("RESQ_DATA_HOME with beijing-air/ is not set (outside CI)")
    return Path(home)


def _split(rng: np.random.Generator, n: int) -> Split:
    x = rng.uniform(0, 1, (n, 12, 3)).astype(np.float32)
    y = 0.5 * x[:, -1, :1] + 0.3 * x[:, :, 1:2].mean(axis=1) + 0.1
    return Split(x=x, y=y.astype(np.float32), end_times=np.arange(n))


@pytest.fixture(scope="session")
def synthetic() -> WindowedData:
    """Windows of 12 steps × 3 features with a target that depends on the last step and a mean."""
    rng = np.random.default_rng(7)
    scale = MinMax(np.zeros(3), np.ones(3))
    target = MinMax(np.array([0.0]), np.array([100.0]))
    return WindowedData(_split(rng, 512), _split(rng, 128), _split(rng, 128), scale, target)


@pytest.fixture(scope="session")
def small_model() -> TransformerModel:
    return TransformerModel(n_features=3, window=12, d_model=8, n_heads=2, ffn_dim=16)


@pytest.fixture(scope="session")
def short_training() -> TrainingSpec:
    return TrainingSpec(epochs=2, float_epochs=3, batch_size=32, lr=3e-3, patience=5)


@pytest.fixture(scope="session")
def spec_bits() -> Callable[[str], BitConfig]:
    """The BitConfig a repository spec file states."""

    def bits(spec_file: str) -> BitConfig:
        return BitConfig.from_spec(load_spec(REPO / "specs" / spec_file).spec)

    return bits


def uniform(bits: int, scheme: str = "symmetric") -> BitConfig:
    """Every component at `bits` with `scheme`."""
    component = {
        "inputs": bits, "weights": bits, "outputs": bits, "scheme": scheme,
        "storage": "auto", "parallelism": 1, "multiplier": "dsp",
    }  # fmt: skip
    return BitConfig.model_validate({"components": dict.fromkeys(COMPONENTS, component)})


@pytest.fixture(scope="session")
def uniform_bits() -> Callable[..., BitConfig]:
    """`uniform(bits, scheme="symmetric")`: every component at one width and scheme."""
    return uniform
