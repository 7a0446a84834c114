"""The IntModel artifact: an integer-only model as versioned JSON plus an npz of integer arrays.

`intmodel.json` holds the graph (nodes in execution order), the quantization of every
tensor, requantization multipliers and shifts, bit widths and schemes, the softmax
parameters and the input/target scaling; `intmodel.npz` holds the integer weights, biases,
folded batch-norm parameters and constant tables, keyed `<node>.<array>` or `<tensor>`.
Both files are byte-identical for identical content.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from resq.spec import BitConfig, ResqError
from resq.spec.atomic import write_bytes_atomic, write_text_atomic
from resq.spec.components import ComponentName
from resq.spec.integer.qparams import QParams
from resq.spec.model import TransformerModel

FORMAT_VERSION: Literal[1] = 1
JSON_FILE = "intmodel.json"
ARRAYS_FILE = "intmodel.npz"


class IntModelError(ResqError):
    """An IntModel artifact is missing, of another format version, or inconsistent."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TensorInfo(_Frozen):
    """One quantized tensor: real = scale · (q − zero_point), q in [quant_min, quant_max]."""

    shape: list[int] = Field(description="per-sample shape (no batch axis)")
    qparams: QParams
    constant: bool = Field(False, description="a constant table stored in the npz by its name")


class _Node(_Frozen):
    name: str = Field(description="unique node name; prefixes its arrays in the npz")
    component: ComponentName
    layer: int | None = Field(None, description="encoder layer index, None outside the encoder")
    output: str
    accumulator_bits: int = Field(description="signed width that holds every intermediate sum")


class LinearNode(_Node):
    """resq_linear: y = sat(round_shift((Σ_k (x − z_x)(w − z_w) + bias) · m, shift) + z_y),
    then max(y, z_y) when `relu`. Arrays: `<name>.weight` (out, in), `<name>.bias` (out)."""

    op: Literal["linear"] = "linear"
    input: str
    in_features: int
    out_features: int
    weight: QParams
    multiplier: int
    shift: int
    relu: bool = False


class AddNode(_Node):
    """resq_add: y = sat(round_shift((a − z_a)·m_a + (b − z_b)·m_b, shift) + z_y)."""

    op: Literal["add"] = "add"
    inputs: tuple[str, str]
    multipliers: tuple[int, int]
    shift: int


class AttentionNode(_Node):
    """resq_attention over heads of Q, K, V (already projected): integer scores
    Σ (q − z_q)(k − z_k), `resq_softmax` to unsigned `prob_bits` probabilities p, then the
    context sat(round_shift(Σ_j p_j (v_j − z_v) · m, shift) + z_y)."""

    op: Literal["attention"] = "attention"
    query: str
    key: str
    value: str
    n_heads: int
    prob_bits: int
    score_accumulator_bits: int
    score_multiplier: int
    score_shift: int
    multiplier: int
    shift: int


class BatchNormNode(_Node):
    """resq_batchnorm (folded): y = sat(round_shift(((x − z_x)(a − z_a) + c) · m, shift) + z_y)
    per channel. Arrays: `<name>.weight` (a, per channel), `<name>.bias` (c)."""

    op: Literal["batchnorm"] = "batchnorm"
    input: str
    weight: QParams
    multiplier: int
    shift: int


class MeanNode(_Node):
    """resq_gap: y = sat(round_shift(Σ_t (x_t − z_x) · m, shift) + z_y) over `length` steps."""

    op: Literal["mean"] = "mean"
    input: str
    length: int
    multiplier: int
    shift: int


Node = Annotated[
    LinearNode | AddNode | AttentionNode | BatchNormNode | MeanNode, Field(discriminator="op")
]


class Scaling(_Frozen):
    """MinMax scaling of the real data: scaled = (x − low) / (high − low), per column."""

    low: list[float]
    high: list[float]


class SoftmaxParams(_Frozen):
    """resq_softmax constants: F fractional logit bits and the 2^F-entry exp2 table of E bits."""

    frac_bits: int
    exp_bits: int
    exp2: list[int]


class IntModel(_Frozen):
    """Everything the integer reference, hdlgen and the hardware need, except the arrays."""

    format_version: Literal[1] = FORMAT_VERSION
    model: TransformerModel
    bits: BitConfig
    input: str
    output: str
    tensors: dict[str, TensorInfo]
    nodes: list[Node]
    softmax: SoftmaxParams
    features: Scaling
    target: Scaling


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An uncompressed npz with fixed timestamps and sorted entries (reproducible bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for key in sorted(arrays):
            entry = io.BytesIO()
            np.lib.format.write_array(entry, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, entry.getvalue())
    return buffer.getvalue()


def save_intmodel(folder: Path, model: IntModel, arrays: dict[str, np.ndarray]) -> None:
    """Write `intmodel.json` and `intmodel.npz` into `folder`, each atomically."""
    npz = _npz_bytes({key: value.astype(np.int64) for key, value in arrays.items()})
    write_bytes_atomic(folder / ARRAYS_FILE, npz)
    text = json.dumps(model.model_dump(mode="json"), indent=2, sort_keys=True)
    write_text_atomic(folder / JSON_FILE, text + "\n")


def load_intmodel(folder: Path) -> tuple[IntModel, dict[str, np.ndarray]]:
    """Read an IntModel artifact; `IntModelError` names the file and what is wrong."""
    path = folder / JSON_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IntModelError(f"cannot read {path}: {e}") from e
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if version != FORMAT_VERSION:
        raise IntModelError(
            f"{path}: format_version {version!r} is not supported (this resq-qat reads "
            f"{FORMAT_VERSION}); re-run the train stage"
        )
    try:
        model = IntModel.model_validate(raw)
    except ValidationError as e:
        raise IntModelError(f"{path}: {e}") from e
    try:
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as data:
            arrays = {key: data[key].astype(np.int64) for key in data.files}
    except (OSError, ValueError) as e:
        raise IntModelError(f"cannot read {folder / ARRAYS_FILE}: {e}") from e
    return model, arrays
