"""resq.qat.quant: quantization parameters, observers, fake quantization and QAT modules."""

from resq.qat.quant.fake_quant import (
    FakeQuantize,
    LearnableFakeQuantize,
    Scheme,
    fake_quantize,
    fake_quantize_bias,
    quantize,
    quantize_bias,
)
from resq.qat.quant.observers import (
    EMAMinMaxObserver,
    MinMaxObserver,
    TensorMinMaxObserver,
    activation_observer,
)
from resq.spec.integer.qparams import (
    ConcreteScheme,
    QParams,
    choose_scheme,
    qparams_from_range,
    quantize_multiplier,
    quantize_multiplier_pair,
)

__all__ = [
    "ConcreteScheme",
    "EMAMinMaxObserver",
    "FakeQuantize",
    "LearnableFakeQuantize",
    "MinMaxObserver",
    "QParams",
    "Scheme",
    "TensorMinMaxObserver",
    "activation_observer",
    "choose_scheme",
    "fake_quantize",
    "fake_quantize_bias",
    "qparams_from_range",
    "quantize",
    "quantize_bias",
    "quantize_multiplier",
    "quantize_multiplier_pair",
]
