"""The integer-only time-series Transformer of seed-facts.md, float and quantized in one definition.

Linput → AddPE → [MHA → AddMHA → BNMHA → FFN → AddFFN → BNFFN] × n_layers → GAP → Loutput.
Each component fakes-quantizes the tensor it produces at its `outputs` bits, so a tensor has
one width: a component's input width is its producer's output width. Only Linput's `inputs`
bits quantize something of their own, the model input. Weights (and the AddPE table, the
folded BN scale) use the component's `weights` bits; every object of a component uses its
scheme.
"""

from __future__ import annotations

import torch
from resq.qat.quant.fake_quant import FakeQuantize, LearnableFakeQuantize
from resq.qat.quant.modules import (
    PositionalTable,
    QAdd,
    QAttention,
    QBatchNorm,
    QInput,
    QLinear,
    QMean,
    QTensor,
)
from resq.qat.quant.observers import activation_observer, weight_observer
from resq.spec import BitConfig
from resq.spec.integer.qparams import ConcreteScheme
from resq.spec.model import TransformerModel
from resq.spec.quantization import Range
from torch import nn

WEIGHT_QUANTIZERS = ("weight_fq", "table_fq")
"""Attribute names of the quantizers of weights, tables and folded BN scales."""


class EncoderLayer(nn.Module):
    """MHA → AddMHA → BNMHA → FFN (linear, ReLU, linear) → AddFFN → BNFFN."""

    def __init__(self, model: TransformerModel, bits: BitConfig, threshold: float) -> None:
        super().__init__()
        c = bits.components
        d, t = model.d_model, threshold
        mha, ffn = c["MHA"], c["FFN"]
        self.mha = QAttention(
            d, model.n_heads, mha.weights, mha.outputs, bits.softmax_bits, mha.scheme, t
        )
        self.add_mha = QAdd(c["AddMHA"].outputs, c["AddMHA"].scheme, t)
        bn = c["BNMHA"]
        self.bn_mha = QBatchNorm(d, bn.weights, bn.outputs, bn.scheme, t)
        self.ffn1 = QLinear(d, model.ffn_dim, ffn.weights, ffn.outputs, ffn.scheme, t, relu=True)
        self.ffn2 = QLinear(model.ffn_dim, d, ffn.weights, ffn.outputs, ffn.scheme, t)
        self.add_ffn = QAdd(c["AddFFN"].outputs, c["AddFFN"].scheme, t)
        bn = c["BNFFN"]
        self.bn_ffn = QBatchNorm(d, bn.weights, bn.outputs, bn.scheme, t)

    def forward(self, x: QTensor) -> QTensor:
        x = self.bn_mha(self.add_mha(x, self.mha(x)))
        out: QTensor = self.bn_ffn(self.add_ffn(x, self.ffn2(self.ffn1(x))))
        return out


class Transformer(nn.Module):
    """(batch, window, n_features) MinMax-scaled windows → (batch, n_outputs) scaled targets."""

    def __init__(self, model: TransformerModel, bits: BitConfig, threshold: float = 0.1) -> None:
        super().__init__()
        c, t = bits.components, threshold
        self.spec, self.bits = model, bits
        lin, pe, gap, out = c["Linput"], c["AddPE"], c["GAP"], c["Loutput"]
        self.input_quant = QInput(lin.inputs, lin.scheme, t)
        self.linput = QLinear(
            model.n_features, model.d_model, lin.weights, lin.outputs, lin.scheme, t
        )
        self.pe = PositionalTable(model.window, model.d_model, pe.weights, pe.scheme, t)
        self.add_pe = QAdd(pe.outputs, pe.scheme, t)
        self.layers = nn.ModuleList(EncoderLayer(model, bits, t) for _ in range(model.n_layers))
        self.gap = QMean(gap.outputs, gap.scheme, t)
        self.loutput = QLinear(
            model.d_model, model.n_outputs, out.weights, out.outputs, out.scheme, t
        )
        self.widths: dict[str, list[FakeQuantize]] = self._widths()
        """`<Component>.<weights|outputs>` (and `Linput.inputs`) → the quantizers of that width."""

    def _widths(self) -> dict[str, list[FakeQuantize]]:
        widths: dict[str, list[FakeQuantize]] = {"Linput.inputs": [self.input_quant.output_fq]}
        parts: list[tuple[str, nn.Module]] = [("Linput", self.linput), ("AddPE", self.pe),
                                              ("AddPE", self.add_pe)]  # fmt: skip
        for layer in self.layers:
            assert isinstance(layer, EncoderLayer)
            parts += [("MHA", layer.mha), ("AddMHA", layer.add_mha), ("BNMHA", layer.bn_mha),
                      ("FFN", layer.ffn1), ("FFN", layer.ffn2), ("AddFFN", layer.add_ffn),
                      ("BNFFN", layer.bn_ffn)]  # fmt: skip
        parts += [("GAP", self.gap), ("Loutput", self.loutput)]
        for component, module in parts:
            for name, quantizer in module.named_modules():
                if isinstance(quantizer, FakeQuantize):
                    kind = "weights" if name.rsplit(".", 1)[-1] in WEIGHT_QUANTIZERS else "outputs"
                    widths.setdefault(f"{component}.{kind}", []).append(quantizer)
        return widths

    def set_width(self, source: str, bits: int) -> None:
        """Quantize the tensors of `source` (`<Component>.<weights|outputs>`,
        `Linput.inputs` or `softmax`) at `bits` over their current ranges: a trained model
        at other widths, for sensitivity analysis. `bits` (the BitConfig it was built with)
        then no longer describes the network: do not export it."""
        if source == "softmax":
            for layer in self.layers:
                assert isinstance(layer, EncoderLayer)
                layer.mha.prob_bits = bits
            return
        if source not in self.widths:
            raise ValueError(f"no tensors of {source!r}; known: {', '.join(self.widths)}, softmax")
        for quantizer in self.widths[source]:
            quantizer.set_bit_width(bits)

    def set_quantized(self, enabled: bool) -> None:
        """Switch every fake quantizer on (the QAT model) or off (the float model)."""
        for module in self.modules():
            if isinstance(module, FakeQuantize):
                module.enabled = enabled

    def set_range(self, kind: Range, momentum: float = 0.01) -> None:
        """Give every quantizer a fresh observer for range choice `kind` (before calibration):
        `activation_observer` for activations, `weight_observer` for weights, tables and
        folded BN scales. Adaptive quantizers observe as asymmetric."""
        for module in self.modules():
            if isinstance(module, FakeQuantize):
                scheme: ConcreteScheme = (
                    "symmetric" if module.scheme == "symmetric" else "asymmetric"
                )
                module.observer = (
                    weight_observer(kind, module.bit_width, scheme)
                    if module.observer.tracks_latest
                    else activation_observer(kind, module.bit_width, scheme, momentum)
                )

    def learn_ranges(self, start: bool = True) -> None:
        """Put a `LearnableFakeQuantize` in every quantizer's place (LSQ): with `start`, from
        its current range (after calibration); without, to load a trained state into."""
        for parent in list(self.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, FakeQuantize) and not isinstance(child, LearnableFakeQuantize):
                    setattr(parent, name, LearnableFakeQuantize.from_observed(child, start))
        self.widths = self._widths()

    def set_exact(self, exact: bool) -> None:
        """Eval-mode requantization bit-exact with the integer reference (True, the default)
        or plain fake quantization of real values (False: the training-time form)."""
        for module in self.modules():
            if isinstance(module, FakeQuantize):
                module.exact = exact

    def float_state(self) -> dict[str, torch.Tensor]:
        """Parameters and batch-norm statistics, without any quantizer state."""
        quantizers = [n for n, m in self.named_modules() if isinstance(m, FakeQuantize)]
        return {
            key: value.clone()
            for key, value in self.state_dict().items()
            if not any(key.startswith(prefix + ".") for prefix in quantizers)
        }

    def load_float_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load `float_state()` of a model of the same shape; quantizers keep their own state."""
        missing, unexpected = self.load_state_dict(state, strict=False)
        if unexpected or any("_fq." not in key for key in missing):
            raise ValueError(
                f"float state does not fit: missing {missing}, unexpected {unexpected}"
            )

    @property
    def quantized(self) -> bool:
        return self.input_quant.output_fq.enabled

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.add_pe(self.linput(self.input_quant(x)), self.pe())
        for layer in self.layers:
            h = layer(h)
        out: torch.Tensor = self.loutput(self.gap(h)).value
        return out
