"""QAT modules and the Transformer: float behaviour, quantized behaviour, one definition."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from resq.qat.models import Transformer
from resq.qat.quant.modules import QAttention, QBatchNorm, QLinear, QTensor, sinusoid_table
from resq.spec import BitConfig
from resq.spec.model import TransformerModel


def test_papers_model_has_3425_parameters(uniform_bits: Callable[..., BitConfig]) -> None:
    model = TransformerModel(n_features=7, window=24, d_model=16, n_heads=1, ffn_dim=64)
    net = Transformer(model, uniform_bits(8))
    assert sum(p.numel() for p in net.parameters()) == 3425, "observed quantizers learn nothing"
    net.set_quantized(True)
    net.learn_ranges(start=False)
    weights = [p for name, p in net.named_parameters() if "_fq." not in name]
    assert sum(p.numel() for p in weights) == 3425  # quantizers: the learned ranges only


def test_float_attention_applies_one_over_sqrt_d_head() -> None:
    torch.manual_seed(0)
    attention = QAttention(
        8,
        n_heads=2,
        weight_bits=8,
        output_bits=8,
        prob_bits=8,
        scheme="symmetric",
        threshold=0.1,
    )
    x = torch.randn(3, 5, 8)
    q = attention.query.linear(x).reshape(3, 5, 2, 4).transpose(1, 2)
    k = attention.key.linear(x).reshape(3, 5, 2, 4).transpose(1, 2)
    v = attention.value.linear(x).reshape(3, 5, 2, 4).transpose(1, 2)
    weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(4), dim=-1)
    expected = attention.output.linear((weights @ v).transpose(1, 2).reshape(3, 5, 8))
    got = attention(QTensor(x, None)).value
    torch.testing.assert_close(got, expected)


def test_float_linear_is_a_plain_linear_with_optional_relu() -> None:
    torch.manual_seed(0)
    layer = QLinear(4, 3, 8, 8, "symmetric", 0.1, relu=True)
    x = torch.randn(6, 4)
    torch.testing.assert_close(layer(QTensor(x, None)).value, torch.relu(layer.linear(x)))


def test_batchnorm_trains_on_batch_statistics_and_freezes_them_when_quantized() -> None:
    torch.manual_seed(0)
    norm = QBatchNorm(4, 8, 8, "symmetric", 0.1)
    x = torch.randn(16, 6, 4) * 3 + 1
    out = norm(QTensor(x, None)).value
    flat = out.reshape(-1, 4)
    torch.testing.assert_close(flat.mean(dim=0), torch.zeros(4), atol=1e-5, rtol=0)
    before = norm.running_mean.clone()
    assert not torch.equal(before, torch.zeros(4))
    for quantizer in (norm.weight_fq, norm.output_fq):
        quantizer.enabled = True
    with pytest.raises(RuntimeError, match="float tensor"):
        norm(QTensor(x, None))


def test_quantized_batchnorm_uses_running_statistics(
    uniform_bits: Callable[..., BitConfig],
) -> None:
    torch.manual_seed(0)
    net = Transformer(
        TransformerModel(n_features=3, window=6, d_model=4, ffn_dim=8), uniform_bits(8)
    )
    net.train()
    net(torch.rand(8, 6, 3))
    net.set_quantized(True)
    norm = net.layers[0].bn_mha
    frozen = norm.running_mean.clone()
    net(torch.rand(8, 6, 3))
    assert torch.equal(norm.running_mean, frozen)


def test_positional_table_is_sin_on_even_and_cos_on_odd_columns() -> None:
    table = sinusoid_table(5, 6)
    t, i = 3, 2
    angle = t / 10000 ** (2 * i / 6)
    assert table[t, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
    assert table[t, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)


def test_quantized_model_outputs_lie_on_the_output_grid(
    uniform_bits: Callable[..., BitConfig],
) -> None:
    torch.manual_seed(1)
    model = TransformerModel(n_features=3, window=6, d_model=4, n_heads=1, ffn_dim=8)
    net = Transformer(model, uniform_bits(4))
    net.set_quantized(True)
    net.train()
    net(torch.rand(32, 6, 3))
    net.eval()
    out = net(torch.rand(32, 6, 3)).detach().double()
    qp = net.loutput.output_fq.qparams()
    steps = out / qp.scale
    torch.testing.assert_close(steps, torch.round(steps), atol=1e-4, rtol=0)
    assert steps.abs().max() <= qp.quant_max
