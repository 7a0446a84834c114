"""Quantizing a trained network at other widths: ranges kept, every tensor reachable."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from resq.qat.experiment import build
from resq.qat.quant.fake_quant import FakeQuantize, LearnableFakeQuantize
from resq.spec import BitConfig
from resq.spec.model import TransformerModel


def test_a_learned_range_keeps_its_ends_at_another_width() -> None:
    quantizer = FakeQuantize(8, "asymmetric")
    quantizer.enabled = True
    quantizer(torch.linspace(-1.0, 3.0, 101))
    quantizer = LearnableFakeQuantize.from_observed(quantizer)
    before = quantizer.qparams()
    quantizer.set_bit_width(4)
    after = quantizer.qparams()
    assert after.bit_width == 4 and after.quant_max == 7
    for q_before, q_after in ((before.quant_min, after.quant_min),
                              (before.quant_max, after.quant_max)):  # fmt: skip
        low = before.scale * (q_before - before.zero_point)
        assert after.scale * (q_after - after.zero_point) == pytest.approx(low, abs=after.scale)
    assert after.scale == pytest.approx(before.scale * 255 / 15, rel=1e-6)
    assert math.isclose(float(quantizer.log_scale.detach()), math.log(after.scale), rel_tol=1e-6)


def test_every_quantizer_has_one_width_source_and_softmax_is_the_attention_width(
    small_model: TransformerModel, spec_bits: Callable[[str], BitConfig]
) -> None:
    net = build(small_model, spec_bits("beijing-o3-mixed.yaml"), 0.1, 3, 1)
    listed = [id(q) for quantizers in net.widths.values() for q in quantizers]
    every = [id(m) for m in net.modules() if isinstance(m, FakeQuantize)]
    assert sorted(listed) == sorted(every) and len(set(listed)) == len(listed)
    assert net.widths["Loutput.weights"] == [net.loutput.weight_fq]
    assert net.widths["AddPE.weights"] == [net.pe.table_fq]
    assert len(net.widths["MHA.outputs"]) == 5  # query, key, value, output, context
    assert all(q.bit_width == 8 for q in net.widths["Loutput.outputs"])  # mixed: Loutput at 8
    net.set_width("MHA.outputs", 3)
    assert {q.bit_width for q in net.widths["MHA.outputs"]} == {3}
    net.set_width("softmax", 5)
    assert net.layers[0].mha.prob_bits == 5
    with pytest.raises(ValueError, match=r"no tensors of 'MHA\.inputs'"):
        net.set_width("MHA.inputs", 4)
