"""resq.qat: integer-only mixed-precision QAT, IntModel export and the integer reference."""

from resq.qat.data import DataError, WindowedData, load_windows
from resq.qat.evaluation import Metrics, metrics
from resq.qat.experiment import float_accuracy, train_float, train_qat
from resq.qat.export import export_intmodel
from resq.qat.models import Transformer
from resq.spec.integer.intmodel import IntModel, IntModelError, load_intmodel, save_intmodel
from resq.spec.integer.intref import predict, run

__all__ = [
    "DataError",
    "IntModel",
    "IntModelError",
    "Metrics",
    "Transformer",
    "WindowedData",
    "export_intmodel",
    "float_accuracy",
    "load_intmodel",
    "load_windows",
    "metrics",
    "predict",
    "run",
    "save_intmodel",
    "train_float",
    "train_qat",
]
