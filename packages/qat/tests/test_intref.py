"""The integer reference: bit-exact with the quantized PyTorch model, accumulators that hold."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from resq.qat.evaluation import metrics
from resq.qat.experiment import FloatResult, build, train_float
from resq.qat.export import export_intmodel
from resq.qat.models import Transformer
from resq.qat.training import calibrate, predict
from resq.spec import BitConfig, Spec, load_spec
from resq.spec.data import WindowedData, load_windows
from resq.spec.integer import intref
from resq.spec.integer.intmodel import AttentionNode, LinearNode, MeanNode
from resq.spec.integer.intops import accumulator_bits, bias_bound
from resq.spec.integer.qparams import QParams, quantize_multiplier
from resq.spec.model import TransformerModel

REPO = Path(__file__).resolve().parents[3]


def _quantized(model: TransformerModel, bits: BitConfig, data: WindowedData) -> Transformer:
    torch.manual_seed(3)
    net = Transformer(model, bits)
    net.train()
    net(torch.from_numpy(data.train.x[:64]))
    net.set_quantized(True)
    calibrate(net, data.train, 64)
    return net


@pytest.mark.parametrize(
    ("spec_file", "scheme"),
    [
        ("beijing-o3.yaml", None),
        ("beijing-o3-uniform4.yaml", None),
        ("beijing-o3-mixed.yaml", None),
        ("beijing-o3.yaml", "asymmetric"),
        ("beijing-o3-uniform4.yaml", "adaptive"),
    ],
)
def test_integer_reference_equals_the_quantized_model_bit_for_bit(
    spec_file: str,
    scheme: str | None,
    synthetic: WindowedData,
    small_model: TransformerModel,
    spec_bits: Callable[[str], BitConfig],
) -> None:
    bits = spec_bits(spec_file)
    if scheme is not None:
        bits = BitConfig(
            components={n: c.model_copy(update={"scheme": scheme}) for n, c in bits.components.items()}
        )  # fmt: skip
    net = _quantized(small_model, bits, synthetic)
    model, arrays = export_intmodel(net, synthetic.features, synthetic.target)
    expected = predict(copy.deepcopy(net).double(), synthetic.test.x)
    got = intref.predict(model, arrays, synthetic.test.x)
    np.testing.assert_array_equal(got, expected)
    assert len(np.unique(got)) > 3


def _boundary_bias(scale: float) -> float:
    """A float32 value b whose b / scale + 1/2 floors differently in float32 and float64."""
    for steps in np.arange(10.5, 200.5):
        centre = np.float32(steps * scale)
        candidates = [centre]
        for direction in (-np.inf, np.inf):
            b = centre
            for _ in range(8):
                b = np.nextafter(b, np.float32(direction))
                candidates.append(b)
        for b in candidates:
            as32 = torch.tensor([b]).div(scale).add_(0.5).floor_().item()
            as64 = torch.tensor([b], dtype=torch.float64).div(scale).add_(0.5).floor_().item()
            if as32 != as64:
                return float(b)
    raise AssertionError("no float32 bias on a rounding boundary")


def test_a_bias_on_a_rounding_boundary_rounds_as_in_the_bit_exact_model(
    synthetic: WindowedData, small_model: TransformerModel, uniform_bits: Callable[..., BitConfig]
) -> None:
    """Export rounds parameters in float64, as the bit-exact (float64) model does."""
    net = _quantized(small_model, uniform_bits(8), synthetic)
    scale = net.input_quant.output_fq.qparams().scale * net.linput.weight_fq.qparams().scale
    bias = _boundary_bias(scale)
    with torch.no_grad():
        net.linput.linear.bias[0] = bias
    model, arrays = export_intmodel(net, synthetic.features, synthetic.target)
    assert arrays["linput.bias"][0] == np.floor(bias / scale + 0.5)
    expected = predict(copy.deepcopy(net).double(), synthetic.test.x)
    np.testing.assert_array_equal(intref.predict(model, arrays, synthetic.test.x), expected)


def test_export_records_the_adaptive_choice(
    synthetic: WindowedData, small_model: TransformerModel, uniform_bits: Callable[..., BitConfig]
) -> None:
    bits = uniform_bits(8, "adaptive")
    model, _ = export_intmodel(
        _quantized(small_model, bits, synthetic), synthetic.features, synthetic.target
    )
    chosen = {t.qparams.scheme for t in model.tensors.values()}
    assert chosen == {"symmetric", "asymmetric"}
    assert model.tensors["input"].qparams.scheme == "asymmetric"  # inputs lie in [0, 1]


def _qp(bits: int, scheme: str, zero_point: int = 0) -> QParams:
    return QParams(scale=1.0, zero_point=zero_point, bit_width=bits, scheme=scheme)  # type: ignore[arg-type]


def _extreme(bits: int, asymmetric: bool) -> tuple[QParams, int, int]:
    """Qparams whose zero point sits at one end of the range, and the value at the other."""
    if not asymmetric:
        qp = _qp(bits, "symmetric")
        return qp, qp.quant_max, qp.quant_min
    qp = _qp(bits, "asymmetric")
    qp = _qp(bits, "asymmetric", qp.quant_min)
    return qp, qp.quant_max, qp.quant_min


@settings(max_examples=150, deadline=None)
@given(
    x_bits=st.integers(2, 16),
    w_bits=st.integers(2, 16),
    terms=st.integers(1, 256),
    asymmetric=st.booleans(),
    sign=st.sampled_from([-1, 1]),
)
def test_linear_accumulator_never_exceeds_its_width(
    x_bits: int, w_bits: int, terms: int, asymmetric: bool, sign: int
) -> None:
    x_qp, x_far, _ = _extreme(x_bits, asymmetric)
    w_qp, w_far, w_near = _extreme(w_bits, asymmetric)
    x = np.full((1, terms), x_far, dtype=np.int64)
    weight = np.full((2, terms), w_far if sign > 0 else w_near, dtype=np.int64)
    bound = bias_bound(x_bits, w_bits, terms)
    bias = np.array([bound, -bound], dtype=np.int64) * sign
    width = accumulator_bits(x_bits, w_bits, terms)
    node = LinearNode(
        name="probe", component="FFN", input="x", output="y", in_features=terms, out_features=2,
        weight=w_qp, multiplier=1 << 14, shift=40, accumulator_bits=width,
    )  # fmt: skip
    intref.linear_int(x, x_qp, weight, w_qp, bias, node, _qp(8, "symmetric"))
    acc = (x - x_qp.zero_point) @ (weight - w_qp.zero_point).T + bias
    assert np.abs(acc).max() >= 1 << (width - 4)  # the probe really is extreme


@settings(max_examples=60, deadline=None)
@given(bits=st.integers(2, 16), length=st.integers(1, 64), heads=st.sampled_from([1, 2]))
def test_attention_and_mean_accumulators_never_exceed_their_widths(
    bits: int, length: int, heads: int
) -> None:
    qp, far, _ = _extreme(bits, asymmetric=True)
    width = 4 * heads
    q = np.full((1, length, width), far, dtype=np.int64)
    d_head = width // heads
    m, n = quantize_multiplier(1e-3)
    node = AttentionNode(
        name="probe", component="MHA", query="q", key="k", value="v", output="y",
        n_heads=heads, prob_bits=bits, score_accumulator_bits=accumulator_bits(bits, bits, d_head),
        score_multiplier=m, score_shift=n, multiplier=m, shift=n,
        accumulator_bits=accumulator_bits(bits, bits, length),
    )  # fmt: skip
    intref.attention_int(q, qp, q, qp, q, qp, node, _qp(8, "symmetric"))
    mean = MeanNode(
        name="gap", component="GAP", input="x", output="y", length=length, multiplier=m,
        shift=n, accumulator_bits=accumulator_bits(bits, 0, length),
    )  # fmt: skip
    intref.mean_int(q, qp, mean, _qp(8, "symmetric"))


def test_a_too_narrow_accumulator_is_reported() -> None:
    qp = _qp(8, "symmetric")
    node = LinearNode(
        name="narrow", component="FFN", input="x", output="y", in_features=4, out_features=1,
        weight=qp, multiplier=1 << 14, shift=20, accumulator_bits=10,
    )  # fmt: skip
    x = np.full((1, 4), 127, dtype=np.int64)
    with pytest.raises(intref.AccumulatorOverflowError, match="narrow: accumulator range"):
        intref.linear_int(x, qp, np.full((1, 4), 127), qp, np.zeros(1, dtype=np.int64), node, qp)


@pytest.fixture(scope="module")
def beijing_float(beijing_home: Path) -> tuple[Spec, WindowedData, FloatResult]:
    """A float model trained for five epochs on 3,000 Dongsi windows, and its data."""
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    assert loaded.manifest is not None
    dataset = loaded.spec.dataset.model_copy(update={"max_windows": 3000})
    data = load_windows(dataset, loaded.manifest)
    training = loaded.spec.training.model_copy(update={"float_epochs": 5})
    start = train_float(loaded.spec.model, BitConfig.from_spec(loaded.spec), data, training, 0)
    return loaded.spec, data, start


@pytest.mark.parametrize(("bits", "tolerance"), [(8, 0.02), (4, 0.05)])
@pytest.mark.parametrize("scheme", ["symmetric", "asymmetric", "adaptive"])
def test_training_form_rmse_agrees_with_the_integer_reference_on_beijing(
    bits: int,
    tolerance: float,
    scheme: str,
    beijing_float: tuple[Spec, WindowedData, FloatResult],
    uniform_bits: Callable[..., BitConfig],
) -> None:
    spec, data, start = beijing_float
    config = uniform_bits(bits, scheme)
    net = build(spec.model, config, 0.1, 0, 1)
    net.load_float_state(start.state)
    net.set_quantized(True)
    calibrate(net, data.train, 64)
    model, arrays = export_intmodel(net, data.features, data.target)
    integer = metrics(intref.predict(model, arrays, data.test.x), data.test.y, data.target).rmse
    exact = metrics(predict(copy.deepcopy(net).double(), data.test.x), data.test.y, data.target)
    training_form = copy.deepcopy(net)
    training_form.set_exact(False)
    approximate = metrics(predict(training_form, data.test.x), data.test.y, data.target).rmse
    assert exact.rmse == integer
    assert abs(integer - approximate) <= tolerance * approximate
