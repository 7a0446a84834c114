"""Fixtures of the engine tests: calibrated IntModels of the airu shape at uniform 8, uniform 4 and mixed
widths, and two other shapes, with real Beijing test windows."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, load_spec
from resq.spec.data import load_windows
from resq.spec.integer import intref
from resq.spec.integer.intmodel import IntModel

REPO = Path(__file__).resolve().parents[2]

CASES = {
    "uniform8": ("beijing-o3-uniform8.yaml", {}),
    "uniform4": ("beijing-o3-uniform4.yaml", {}),
    "mixed": ("beijing-o3-mixed.yaml", {}),
    "wide": ("beijing-o3-uniform8.yaml", {"d_model": 32, "ffn_dim": 128}),
    "deep": ("beijing-o3-uniform8.yaml", {"n_layers": 2, "n_heads": 2}),
}


Calibrated = tuple[IntModel, dict[str, np.ndarray], np.ndarray]


@functools.cache
def _calibrated(case: str, windows: int = 6) -> Calibrated:
    """The calibrated IntModel of `case`, its arrays and `windows` quantized test windows."""
    spec_file, shape = CASES[case]
    loaded = load_spec(REPO / "specs" / spec_file)
    assert loaded.manifest is not None
    spec = loaded.spec
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 600}), loaded.manifest)
    model, arrays = calibrated_intmodel(spec.model.model_copy(update=shape),
                                        BitConfig.from_spec(spec), 0.1, data)  # fmt: skip
    q_in = intref.quantize_input(data.test.x[:windows], model.tensors[model.input].qparams)
    return model, arrays, q_in


@pytest.fixture
def calibrated(beijing_home: Path) -> Callable[[str], Calibrated]:
    """`calibrated(case)`: the calibrated IntModel of a case of CASES (once per session), its
    arrays and 6 quantized test windows."""
    return _calibrated
