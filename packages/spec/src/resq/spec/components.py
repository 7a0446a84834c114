"""The component names shared by the spec, the knowledge database, QAT and hdlgen."""

from __future__ import annotations

from typing import Literal, get_args

ComponentName = Literal[
    "Linput", "AddPE", "MHA", "AddMHA", "BNMHA", "FFN", "AddFFN", "BNFFN", "GAP", "Loutput"
]
"""The ten components of the encoder Transformer, in data-flow order (seed-facts.md)."""

COMPONENTS: tuple[ComponentName, ...] = get_args(ComponentName)

WEIGHTLESS: frozenset[ComponentName] = frozenset({"AddMHA", "AddFFN", "GAP"})
"""Components without trained constants: their `weights` width is never used."""

Scheme = Literal["symmetric", "asymmetric", "adaptive"]
"""Quantization scheme of an object; `adaptive` picks one of the other two during training."""

Storage = Literal["block", "distributed", "auto"]
"""Output-buffer storage: block RAM, LUT RAM, or left to the synthesis tool."""

Multiplier = Literal["dsp", "lut"]
"""Where multiplies are mapped: DSP48 slices or LUT logic."""
