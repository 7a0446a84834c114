"""Training: deterministic at a fixed seed, resumable, early stopping; the IntModel artifact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from resq.qat.experiment import build, restore_qat, train_float, train_qat
from resq.qat.export import export_intmodel
from resq.qat.training import (
    CheckpointError,
    WeightAverage,
    fit,
    predict,
    reestimate_batch_norm,
    select_device,
)
from resq.spec import BitConfig, ResqError
from resq.spec.data import WindowedData
from resq.spec.integer.intmodel import IntModelError, load_intmodel, save_intmodel
from resq.spec.model import TransformerModel
from resq.spec.quantization import QuantizationSpec
from resq.spec.training import TrainingSpec


def _train_and_save(
    folder: Path,
    data: WindowedData,
    model: TransformerModel,
    training: TrainingSpec,
    bits: BitConfig,
    scratch: Path | None = None,
    quantization: QuantizationSpec | None = None,
) -> None:
    quantization = quantization or QuantizationSpec()
    start = train_float(model, bits, data, training, seed=11, scratch=scratch)
    result = train_qat(model, bits, quantization, data, training, 11, start, scratch=scratch)
    save_intmodel(folder, result.intmodel, result.arrays)


@pytest.mark.parametrize("recipe", ["minmax", "lsq"])
def test_two_runs_give_identical_intmodel_files(
    tmp_path: Path,
    synthetic: WindowedData,
    small_model: TransformerModel,
    short_training: TrainingSpec,
    spec_bits: Callable[[str], BitConfig],
    recipe: str,
) -> None:
    """Also with every QAT option on: learned ranges, distillation, BN re-estimation, a
    cosine schedule and weight averaging."""
    bits = spec_bits("beijing-o3-mixed.yaml")
    quantization = QuantizationSpec(range=recipe)
    training = short_training
    if recipe == "lsq":
        training = short_training.model_copy(
            update={
                "distillation": 0.5,
                "bn_reestimate": True,
                "qat_schedule": "cosine",
                "qat_average": 0.99,
            }
        )
    for run in ("a", "b"):
        _train_and_save(tmp_path / run, synthetic, small_model, training, bits, None, quantization)
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


def test_batch_norm_reestimation_gives_the_exact_statistics_of_its_input(
    synthetic: WindowedData, small_model: TransformerModel, spec_bits: Callable[[str], BitConfig]
) -> None:
    net = build(small_model, spec_bits("beijing-o3.yaml"), 0.1, 2, 1)
    fit(net, synthetic.train, synthetic.validation, TrainingSpec(batch_size=64), 2, 2, "float")
    reestimate_batch_norm(net, synthetic.train, 100)
    layer = net.layers[0]
    inputs: list[torch.Tensor] = []
    handle = layer.bn_ffn.register_forward_pre_hook(lambda _m, args: inputs.append(args[0].value))
    predict(net, synthetic.train.x)
    handle.remove()
    flat = torch.cat(inputs).reshape(-1, small_model.d_model).double()
    torch.testing.assert_close(layer.bn_ffn.running_mean.double(), flat.mean(0))
    torch.testing.assert_close(layer.bn_ffn.running_var.double(), flat.var(0), rtol=1e-4, atol=1e-6)


def test_distillation_teaches_the_float_parents_prediction(
    synthetic: WindowedData,
    small_model: TransformerModel,
    short_training: TrainingSpec,
    spec_bits: Callable[[str], BitConfig],
) -> None:
    """d = 1: QAT's targets are the parent's predictions, so its training error is measured
    against them; the validation error stays against the true targets."""
    bits = spec_bits("beijing-o3.yaml")
    start = train_float(small_model, bits, synthetic, short_training, seed=4)
    seen: list[float] = []
    training = short_training.model_copy(update={"distillation": 1.0, "epochs": 1})
    train_qat(small_model, bits, QuantizationSpec(), synthetic, training, 4, start,
              on_epoch=lambda _p, _e, _t, train, _v: seen.append(train))  # fmt: skip
    plain: list[float] = []
    train_qat(small_model, bits, QuantizationSpec(), synthetic, training.model_copy(
        update={"distillation": 0.0}), 4, start,
        on_epoch=lambda _p, _e, _t, train, _v: plain.append(train))  # fmt: skip
    assert seen[0] < plain[0] / 2


class _InterruptedError(Exception):
    pass


@pytest.mark.parametrize(("schedule", "average"), [("cosine", 0.0), ("plateau", 0.0),
                                                   ("cosine", 0.9)])  # fmt: skip
def test_a_phase_interrupted_mid_schedule_resumes_to_the_same_weights_and_rates(
    tmp_path: Path,
    synthetic: WindowedData,
    small_model: TransformerModel,
    spec_bits: Callable[[str], BitConfig],
    schedule: str,
    average: float,
) -> None:
    """The learning-rate schedule's state and the weight averages are in the checkpoint: a
    run stopped during epoch 4 of 8 and resumed ends with the weights, learning rates and
    schedule state of an uninterrupted run."""
    bits = spec_bits("beijing-o3.yaml")
    training = TrainingSpec(batch_size=64, patience=3, lr=0.05, schedule=schedule)
    whole = build(small_model, bits, 0.1, 5, 1)
    fit(whole, synthetic.train, synthetic.validation, training, 8, 5, "float",
        tmp_path / "whole.ckpt", average=average)  # fmt: skip

    def stop(_phase: str, epoch: int, _total: int, _train: float, _valid: float) -> None:
        if epoch == 4:
            raise _InterruptedError

    checkpoint = tmp_path / "parts.ckpt"
    parts = build(small_model, bits, 0.1, 5, 1)
    with pytest.raises(_InterruptedError):
        fit(parts, synthetic.train, synthetic.validation, training, 8, 5, "float", checkpoint,
            stop, average=average)  # fmt: skip
    resumed = build(small_model, bits, 0.1, 99, 1)
    fit(resumed, synthetic.train, synthetic.validation, training, 8, 5, "float", checkpoint,
        average=average)  # fmt: skip
    for key, value in whole.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    ended = [torch.load(tmp_path / name, weights_only=True) for name in ("whole.ckpt", checkpoint)]
    assert ended[0]["schedule"] == ended[1]["schedule"]
    rates = [[group["lr"] for group in e["optimizer"]["param_groups"]] for e in ended]
    assert rates[0] == rates[1]
    assert schedule != "cosine" or rates[0][0] < training.lr


def test_the_weight_average_follows_every_step_and_is_swapped_in_only_within_the_block() -> None:
    net = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(1.0)
    average = WeightAverage(net, decay=0.5)
    for value in (3.0, 5.0):
        with torch.no_grad():
            net.weight.fill_(value)
        average.update(net)
    assert float(average.averages["weight"]) == 0.5 * (0.5 * 1 + 0.5 * 3) + 0.5 * 5
    with average.swapped_in(net):
        assert float(net.weight.detach()) == 3.5
    assert float(net.weight.detach()) == 5.0


def test_averaged_qat_keeps_the_averaged_weights(
    synthetic: WindowedData, small_model: TransformerModel, spec_bits: Callable[[str], BitConfig]
) -> None:
    """With a decay of 0.9 the kept network is not the plain one: its weights differ and its
    validation error is the one fit reports for it."""
    bits = spec_bits("beijing-o3.yaml")
    training = TrainingSpec(batch_size=64, patience=3, lr=0.05)
    plain, averaged = build(small_model, bits, 0.1, 5, 1), build(small_model, bits, 0.1, 5, 1)
    fit(plain, synthetic.train, synthetic.validation, training, 3, 5, "float")
    result = fit(averaged, synthetic.train, synthetic.validation, training, 3, 5, "float",
                 average=0.9)  # fmt: skip
    differ = [
        k for k, v in plain.state_dict().items() if not torch.equal(v, averaged.state_dict()[k])
    ]
    assert differ
    assert result.best_epoch > 0
    assert result.best_validation_mse == pytest.approx(
        float(np.mean((predict(averaged, synthetic.validation.x) - synthetic.validation.y) ** 2))
    )


@pytest.mark.parametrize(("width", "factor"), [(8, 1.0), (4, 3.0)])
def test_an_auto_qat_rate_follows_the_narrowest_width(
    tmp_path: Path, synthetic: WindowedData, small_model: TransformerModel,
    uniform_bits: Callable[..., BitConfig], width: int, factor: float,
) -> None:  # fmt: skip
    """`qat_lr: auto` trains 4-bit models at 3·lr and 8-bit ones at lr (constant schedule:
    the rate in the checkpoint is the rate QAT used)."""
    bits = uniform_bits(width)
    training = TrainingSpec(epochs=1, float_epochs=1, batch_size=64, lr=2e-3, qat_lr="auto")
    start = train_float(small_model, bits, synthetic, training, seed=4)
    train_qat(small_model, bits, QuantizationSpec(), synthetic, training, 4, start, tmp_path)
    saved = torch.load(tmp_path / "qat.ckpt", weights_only=True)
    rates = [group["lr"] for group in saved["optimizer"]["param_groups"]]
    assert rates == pytest.approx([2e-3 * factor] * len(rates))


@pytest.mark.parametrize("recipe", ["minmax", "lsq"])
def test_a_restored_qat_network_computes_what_the_trained_one_computed(
    synthetic: WindowedData,
    small_model: TransformerModel,
    short_training: TrainingSpec,
    spec_bits: Callable[[str], BitConfig],
    recipe: str,
) -> None:
    """What the train stage saves (`qat.pt`) is enough to rebuild the network exactly."""
    bits = spec_bits("beijing-o3-mixed.yaml")
    quantization = QuantizationSpec(range=recipe)
    start = train_float(small_model, bits, synthetic, short_training, seed=5)
    trained = train_qat(small_model, bits, quantization, synthetic, short_training, 5, start)
    restored = restore_qat(small_model, bits, quantization, trained.net.state_dict())
    x = synthetic.test.x
    assert np.array_equal(predict(restored, x), predict(trained.net.eval(), x))
    intmodel, arrays = export_intmodel(restored, synthetic.features, synthetic.target)
    assert intmodel == trained.intmodel
    assert all(np.array_equal(arrays[k], trained.arrays[k]) for k in trained.arrays)


class _Payload:
    """Unpickling this runs code: what a hostile scratch checkpoint would hold."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("a checkpoint ran code",))


def test_a_checkpoint_that_would_run_code_is_refused_not_loaded(
    small_model: TransformerModel, uniform_bits: Callable[..., BitConfig],
    synthetic: WindowedData, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    checkpoint = tmp_path / "float.ckpt"
    torch.save({"model": _Payload()}, checkpoint)
    net = build(small_model, uniform_bits(8), 0.1, 5, 1)
    training = TrainingSpec(epochs=1, float_epochs=1, batch_size=64)
    with pytest.raises(CheckpointError, match="delete it to train this phase anew"):
        fit(net, synthetic.train, synthetic.validation, training, 1, 5, "float", checkpoint)
    assert "ran code" not in capsys.readouterr().out
