"""Training: deterministic at a fixed seed, resumable, early stopping; the IntModel artifact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from resq.qat.data import WindowedData
from resq.qat.experiment import build, train_float, train_qat
from resq.qat.training import fit, select_device
from resq.spec import BitConfig, ResqError
from resq.spec.integer.intmodel import IntModelError, load_intmodel, save_intmodel
from resq.spec.model import TransformerModel
from resq.spec.training import TrainingSpec


def _train_and_save(
    folder: Path,
    data: WindowedData,
    model: TransformerModel,
    training: TrainingSpec,
    bits: BitConfig,
    scratch: Path | None = None,
) -> None:
    start = train_float(model, bits, data, training, seed=11, scratch=scratch)
    result = train_qat(model, bits, 0.1, data, training, 11, start, scratch=scratch)
    save_intmodel(folder, result.intmodel, result.arrays)


def test_two_runs_give_identical_intmodel_files(
    tmp_path: Path,
    synthetic: WindowedData,
    small_model: TransformerModel,
    short_training: TrainingSpec,
    spec_bits: Callable[[str], BitConfig],
) -> None:
    bits = spec_bits("beijing-o3-mixed.yaml")
    for run in ("a", "b"):
        _train_and_save(tmp_path / run, synthetic, small_model, short_training, bits)
    for name in ("intmodel.json", "intmodel.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_an_interrupted_phase_resumes_to_the_same_weights(
    tmp_path: Path,
    synthetic: WindowedData,
    small_model: TransformerModel,
    spec_bits: Callable[[str], BitConfig],
) -> None:
    bits = spec_bits("beijing-o3.yaml")
    training = TrainingSpec(epochs=4, batch_size=64, patience=10)
    whole = build(small_model, bits, 0.1, 5, 1)
    fit(whole, synthetic.train, synthetic.validation, training, 4, 5, "float")
    checkpoint = tmp_path / "float.ckpt"
    parts = build(small_model, bits, 0.1, 5, 1)
    fit(parts, synthetic.train, synthetic.validation, training, 2, 5, "float", checkpoint)
    resumed = build(small_model, bits, 0.1, 99, 1)
    result = fit(
        resumed, synthetic.train, synthetic.validation, training, 4, 5, "float", checkpoint
    )
    assert result.epochs_run == 4
    for key, value in whole.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key


def test_early_stopping_waits_patience_epochs_after_the_best(
    synthetic: WindowedData, small_model: TransformerModel, spec_bits: Callable[[str], BitConfig]
) -> None:
    bits = spec_bits("beijing-o3.yaml")
    training = TrainingSpec(epochs=200, batch_size=64, lr=0.05, patience=2)
    net = build(small_model, bits, 0.1, 0, 1)
    result = fit(net, synthetic.train, synthetic.validation, training, 200, 0, "float")
    assert result.epochs_run == result.best_epoch + 2
    assert result.epochs_run < 200


def test_cuda_request_without_a_device_is_a_clear_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ResqError, match="no CUDA device"):
        select_device("cuda")
    assert select_device("auto").type == "cpu"


def test_intmodel_round_trip_and_version_check(
    tmp_path: Path,
    synthetic: WindowedData,
    small_model: TransformerModel,
    short_training: TrainingSpec,
    spec_bits: Callable[[str], BitConfig],
) -> None:
    _train_and_save(tmp_path, synthetic, small_model, short_training, spec_bits("beijing-o3.yaml"))
    model, arrays = load_intmodel(tmp_path)
    assert model.nodes[0].name == "linput"
    assert arrays["linput.weight"].dtype == np.int64
    assert arrays["linput.weight"].shape == (small_model.d_model, small_model.n_features)
    raw = json.loads((tmp_path / "intmodel.json").read_text())
    raw["format_version"] = 2
    (tmp_path / "intmodel.json").write_text(json.dumps(raw))
    with pytest.raises(IntModelError, match="format_version 2 is not supported"):
        load_intmodel(tmp_path)
    with pytest.raises(IntModelError, match="cannot read"):
        load_intmodel(tmp_path / "absent")
