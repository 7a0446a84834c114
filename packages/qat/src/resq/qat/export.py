"""Export a trained quantized `Transformer` to an IntModel (graph, quantization, integer arrays).

Integers come from the same expressions the fake quantizers use (`quantize`,
`quantize_bias`) on the same tensors in float64, so the integer reference sees exactly the
weights QAT trained. Real factors become m / 2^n multipliers here, and nowhere else.
"""

from __future__ import annotations

import copy
from typing import cast

import numpy as np
import torch
from resq.qat.models.transformer import EncoderLayer, Transformer
from resq.qat.quant.fake_quant import FakeQuantize, quantize, quantize_bias
from resq.qat.quant.modules import PositionalTable, QAdd, QAttention, QBatchNorm, QLinear, QMean
from resq.spec.components import ComponentName
from resq.spec.data import MinMax
from resq.spec.integer.intmodel import (
    AddNode,
    AttentionNode,
    BatchNormNode,
    IntModel,
    IntModelError,
    LinearNode,
    MeanNode,
    Node,
    Scaling,
    SoftmaxParams,
    TensorInfo,
)
from resq.spec.integer.intops import accumulator_bits, bias_bound
from resq.spec.integer.qparams import QParams, quantize_multiplier, quantize_multiplier_pair
from resq.spec.integer.softmax import EXP2, EXP_BITS, FRAC_BITS, logit_multiplier

INPUT = "input"
"""Name of the model-input tensor."""


def _integers(values: torch.Tensor) -> np.ndarray:
    return values.detach().numpy().astype(np.int64)


def _multiplier(real: float, where: str) -> tuple[int, int]:
    try:
        return quantize_multiplier(real)
    except ValueError as e:
        raise IntModelError(f"{where}: {e}; the quantization ranges cannot be requantized") from e


class _Exporter:
    """Collects tensors, nodes and arrays while walking the model in execution order."""

    def __init__(self, net: Transformer) -> None:
        self.window = net.spec.window
        self.tensors: dict[str, TensorInfo] = {}
        self.nodes: list[Node] = []
        self.arrays: dict[str, np.ndarray] = {}

    def qparams(self, tensor: str) -> QParams:
        return self.tensors[tensor].qparams

    def tensor(self, name: str, shape: list[int], quantizer: FakeQuantize) -> str:
        self.tensors[name] = TensorInfo(shape=shape, qparams=quantizer.qparams())
        return name

    def linear(
        self, name: str, module: QLinear, x: str, component: ComponentName, layer: int | None
    ) -> str:
        x_qp = self.qparams(x)
        weight = module.linear.weight.detach()
        module.weight_fq(weight)
        w_qp = module.weight_fq.qparams()
        k = module.linear.in_features
        bound = bias_bound(x_qp.bit_width, w_qp.bit_width, k)
        bias = quantize_bias(module.linear.bias.detach(), x_qp.scale * w_qp.scale, bound)
        self.arrays[f"{name}.weight"] = _integers(quantize(weight, w_qp))
        self.arrays[f"{name}.bias"] = _integers(bias)
        shape = [*self.tensors[x].shape[:-1], module.linear.out_features]
        out = self.tensor(name, shape, module.output_fq)
        m, n = _multiplier(x_qp.scale * w_qp.scale / self.qparams(out).scale, name)
        self.nodes.append(
            LinearNode(
                name=name, component=component, layer=layer, input=x, output=out,
                in_features=k, out_features=module.linear.out_features, weight=w_qp,
                multiplier=m, shift=n, relu=module.relu,
                accumulator_bits=accumulator_bits(x_qp.bit_width, w_qp.bit_width, k),
            )
        )  # fmt: skip
        return out

    def add(
        self, name: str, module: QAdd, a: str, b: str, component: ComponentName, layer: int | None
    ) -> str:
        a_qp, b_qp = self.qparams(a), self.qparams(b)
        out = self.tensor(name, list(self.tensors[a].shape), module.output_fq)
        s_y = self.qparams(out).scale
        try:
            m_a, m_b, n = quantize_multiplier_pair(a_qp.scale / s_y, b_qp.scale / s_y)
        except ValueError as e:
            raise IntModelError(f"{name}: {e}") from e
        widest = max(a_qp.bit_width, b_qp.bit_width)
        self.nodes.append(
            AddNode(
                name=name, component=component, layer=layer, inputs=(a, b), output=out,
                multipliers=(m_a, m_b), shift=n,
                accumulator_bits=accumulator_bits(widest, 15, 2),
            )
        )  # fmt: skip
        return out

    def table(self, name: str, module: PositionalTable) -> str:
        module.table_fq(module.table)
        self.tensors[name] = TensorInfo(
            shape=list(module.table.shape), qparams=module.table_fq.qparams(), constant=True
        )
        self.arrays[name] = _integers(quantize(module.table, self.qparams(name)))
        return name

    def attention(self, prefix: str, module: QAttention, x: str, layer: int) -> str:
        q = self.linear(f"{prefix}_query", module.query, x, "MHA", layer)
        k = self.linear(f"{prefix}_key", module.key, x, "MHA", layer)
        v = self.linear(f"{prefix}_value", module.value, x, "MHA", layer)
        q_qp, k_qp, v_qp = self.qparams(q), self.qparams(k), self.qparams(v)
        name = f"{prefix}_attention"
        out = self.tensor(name, list(self.tensors[v].shape), module.context_fq)
        score_m, score_n = _multiplier(
            logit_multiplier(q_qp.scale, k_qp.scale, module.d_head), f"{name} scores"
        )
        m, n = _multiplier(v_qp.scale / (1 << module.prob_bits) / self.qparams(out).scale, name)
        self.nodes.append(
            AttentionNode(
                name=name, component="MHA", layer=layer, query=q, key=k, value=v, output=out,
                n_heads=module.n_heads, prob_bits=module.prob_bits,
                score_accumulator_bits=accumulator_bits(q_qp.bit_width, k_qp.bit_width, module.d_head),
                score_multiplier=score_m, score_shift=score_n, multiplier=m, shift=n,
                accumulator_bits=accumulator_bits(module.prob_bits, v_qp.bit_width, self.window),
            )
        )  # fmt: skip
        return self.linear(f"{prefix}_output", module.output, out, "MHA", layer)

    def batchnorm(
        self, name: str, module: QBatchNorm, x: str, component: ComponentName, layer: int
    ) -> str:
        x_qp = self.qparams(x)
        a, c = (t.detach() for t in module.folded())
        module.weight_fq(a)
        a_qp = module.weight_fq.qparams()
        bias = quantize_bias(
            c, x_qp.scale * a_qp.scale, bias_bound(x_qp.bit_width, a_qp.bit_width, 1)
        )
        self.arrays[f"{name}.weight"] = _integers(quantize(a, a_qp))
        self.arrays[f"{name}.bias"] = _integers(bias)
        out = self.tensor(name, list(self.tensors[x].shape), module.output_fq)
        m, n = _multiplier(x_qp.scale * a_qp.scale / self.qparams(out).scale, name)
        self.nodes.append(
            BatchNormNode(
                name=name, component=component, layer=layer, input=x, output=out, weight=a_qp,
                multiplier=m, shift=n,
                accumulator_bits=accumulator_bits(x_qp.bit_width, a_qp.bit_width, 1),
            )
        )  # fmt: skip
        return out

    def mean(self, name: str, module: QMean, x: str) -> str:
        x_qp = self.qparams(x)
        length = self.tensors[x].shape[0]
        out = self.tensor(name, list(self.tensors[x].shape[1:]), module.output_fq)
        m, n = _multiplier(x_qp.scale / length / self.qparams(out).scale, name)
        self.nodes.append(
            MeanNode(
                name=name, component="GAP", input=x, output=out, length=length,
                multiplier=m, shift=n, accumulator_bits=accumulator_bits(x_qp.bit_width, 0, length),
            )
        )  # fmt: skip
        return out

    def encoder(self, index: int, layer: EncoderLayer, x: str) -> str:
        p = f"l{index}"
        h = self.attention(f"{p}_mha", layer.mha, x, index)
        h = self.add(f"{p}_add_mha", layer.add_mha, x, h, "AddMHA", index)
        h = self.batchnorm(f"{p}_bn_mha", layer.bn_mha, h, "BNMHA", index)
        f = self.linear(f"{p}_ffn1", layer.ffn1, h, "FFN", index)
        f = self.linear(f"{p}_ffn2", layer.ffn2, f, "FFN", index)
        y = self.add(f"{p}_add_ffn", layer.add_ffn, h, f, "AddFFN", index)
        return self.batchnorm(f"{p}_bn_ffn", layer.bn_ffn, y, "BNFFN", index)


def export_intmodel(
    net: Transformer, features: MinMax, target: MinMax
) -> tuple[IntModel, dict[str, np.ndarray]]:
    """The IntModel and its integer arrays of a trained quantized model (observers initialised).

    Works on a float64 copy of `net`: the precision in which the fake-quantized model is
    bit-exact with the integer reference, so both fold, observe and round the parameters
    identically (a float32 parameter can round the other way on a rounding boundary).
    """
    if not net.quantized:
        raise IntModelError("only a quantized model can be exported; call set_quantized(True)")
    net = copy.deepcopy(net).double()
    spec = net.spec
    ex = _Exporter(net)
    with torch.no_grad():
        net.eval()
        x = ex.tensor(INPUT, [spec.window, spec.n_features], net.input_quant.output_fq)
        h = ex.linear("linput", net.linput, x, "Linput", None)
        h = ex.add("add_pe", net.add_pe, h, ex.table("pe", net.pe), "AddPE", None)
        for index, layer in enumerate(net.layers):
            h = ex.encoder(index, cast(EncoderLayer, layer), h)
        h = ex.mean("gap", net.gap, h)
        out = ex.linear("loutput", net.loutput, h, "Loutput", None)
    model = IntModel(
        model=spec,
        bits=net.bits,
        input=x,
        output=out,
        tensors=ex.tensors,
        nodes=ex.nodes,
        softmax=SoftmaxParams(frac_bits=FRAC_BITS, exp_bits=EXP_BITS, exp2=EXP2.tolist()),
        features=Scaling(low=features.low.tolist(), high=features.high.tolist()),
        target=Scaling(low=target.low.tolist(), high=target.high.tolist()),
    )
    return model, ex.arrays
