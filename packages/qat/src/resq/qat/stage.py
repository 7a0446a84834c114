"""The `train` and `baselines` stages of `spec run`.

train: load data, float pre-training, QAT, export, evaluation.

Artifact: `intmodel.json` + `intmodel.npz` (the IntModel), `float.pt` (the float weights,
the parent every candidate's QAT starts from), `qat.pt` (the trained QAT network's state,
which the sensitivity analysis degrades; `experiment.restore_qat`), `metrics.json` (test RMSE and
MAE of the float model, the fake-quantized model and the integer reference, in the target's
units) and `history.json` (epochs, best epochs, seconds per epoch).

baselines: `baselines.json`, the test RMSE and MAE of ridge regression and gradient-boosted
trees fitted on the same training windows (resq.qat.baselines), which the report puts
beside the deployed model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resq.spec import StageError
from resq.spec.atomic import write_json_atomic
from resq.spec.data import file_digests, load_windows, unobtainable
from resq.spec.integer.intmodel import FORMAT_VERSION, save_intmodel
from resq.spec.progress import CountedStep
from resq.spec.spec import LoadedSpec
from resq.spec.stage import Stage, StageContext, distribution_version

if TYPE_CHECKING:
    from resq.qat.training import PhaseResult

# torch and the training modules are imported in `run`: every `spec` command loads the stage
# classes (their names, inputs and cache keys), and generate, simulate and synthesize must
# run where torch cannot be imported.


def _history(phase: PhaseResult | None) -> dict[str, Any] | None:
    if phase is None:
        return None
    seconds = sum(phase.epoch_seconds) / len(phase.epoch_seconds) if phase.epoch_seconds else 0.0
    return {
        "epochs_run": phase.epochs_run,
        "best_epoch": phase.best_epoch,
        "best_validation_mse": phase.best_validation_mse,
        "seconds_per_epoch": float(seconds),
        "train_mse": phase.train_mse,
        "validation_mse": phase.validation_mse,
    }


FLOAT_FILE = "float.pt"
QAT_FILE = "qat.pt"
DATA_FILE = "data.json"
"""File name → SHA-256 of the data files the model was trained on."""


class TrainStage(Stage):
    """Trains the spec's model with quantization in the loop and exports its IntModel."""

    name = "train"
    sections = ("dataset", "manifest", "model", "training", "quantization", "bits", "seed")

    def preflight(self, loaded: LoadedSpec) -> str | None:
        if loaded.manifest is None:
            return "the train stage needs a dataset manifest (dataset.manifest)"
        return unobtainable(loaded.manifest, list(loaded.spec.dataset.files))

    def versions(self) -> dict[str, str]:
        return {
            "resq-qat": distribution_version("resq-qat"),
            "intmodel": str(FORMAT_VERSION),
            "artifact": "4",  # 2: with qat.pt; 3: losses per epoch, data.json; 4: LSQ apart
            "torch": distribution_version("torch"),
            "numpy": distribution_version("numpy"),
        }

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        spec = loaded.spec
        if loaded.manifest is None:
            raise StageError("the train stage needs a dataset manifest (dataset.manifest)")
        data = load_windows(spec.dataset, loaded.manifest)
        bits = context.loaded.bit_config()
        training = spec.training
        import torch
        from resq.qat.experiment import float_accuracy, train_float, train_qat

        with (CountedStep("float epochs", training.float_epochs) as floats,
              CountedStep("QAT epochs", training.epochs) as qat):  # fmt: skip
            steps = {"float": floats, "qat": qat}

            def on_epoch(phase: str, epoch: int, _total: int, train: float, valid: float) -> None:
                steps[phase].update(epoch, f"(MSE train {train:.5f} valid {valid:.5f})")

            start = train_float(
                spec.model, bits, data, training, spec.seed, context.scratch_dir, on_epoch
            )
            result = train_qat(
                spec.model, bits, spec.quantization, data, training, spec.seed, start,
                context.scratch_dir, on_epoch,
            )  # fmt: skip
        out = context.out_dir
        save_intmodel(out, result.intmodel, result.arrays)
        torch.save(start.state, out / FLOAT_FILE)
        torch.save(result.net.state_dict(), out / QAT_FILE)
        accuracy = {name: m.model_dump() for name, m in result.accuracy.items()}
        if start.phase is not None:
            accuracy["float"] = float_accuracy(spec.model, bits, data, start).model_dump()
        write_json_atomic(out / "metrics.json", accuracy)
        history = {"float": _history(start.phase), "qat": _history(result.phase)}
        write_json_atomic(out / "history.json", history)
        write_json_atomic(out / DATA_FILE, file_digests(spec.dataset, loaded.manifest))
        summary: dict[str, Any] = {
            f"{form}_{key}": values[key]
            for form, values in accuracy.items()
            for key in ("rmse", "mae")
        }
        summary["test_windows"] = len(data.test.x)
        summary["unit"] = loaded.manifest.units.get(spec.dataset.target, "")
        return summary


BASELINES_FILE = "baselines.json"


class BaselinesStage(Stage):
    """Ridge regression and gradient-boosted trees on the spec's windows, for context."""

    name = "baselines"
    after = ("train",)
    sections = ("dataset", "manifest", "seed")

    def preflight(self, loaded: LoadedSpec) -> str | None:
        return TrainStage().preflight(loaded)

    def versions(self) -> dict[str, str]:
        return {"resq-qat": distribution_version("resq-qat"),
                "scikit-learn": distribution_version("scikit-learn"), "artifact": "1"}  # fmt: skip

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        if loaded.manifest is None:
            raise StageError("the baselines stage needs a dataset manifest (dataset.manifest)")
        from resq.qat.baselines import baselines

        data = load_windows(loaded.spec.dataset, loaded.manifest)
        found = baselines(data, loaded.spec.seed)
        write_json_atomic(context.out_dir / BASELINES_FILE, found)
        return {f"{name}_{key}": values[key] for name, values in found.items()
                for key in ("rmse", "mae")}  # fmt: skip
