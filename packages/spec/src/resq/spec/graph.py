"""The nodes of the integer Transformer: their names and components, in execution order.

A node is one IP instance of the generated hardware and one node of the IntModel (resq-qat's
export names them so; a test holds the two together). Per-node settings of a BitConfig and
of the spec's `hardware.nodes` are keyed by these names.
"""

from __future__ import annotations

from resq.spec.components import ComponentName

LAYER_NODES: tuple[tuple[str, ComponentName], ...] = (
    ("mha_query", "MHA"),
    ("mha_key", "MHA"),
    ("mha_value", "MHA"),
    ("mha_attention", "MHA"),
    ("mha_output", "MHA"),
    ("add_mha", "AddMHA"),
    ("bn_mha", "BNMHA"),
    ("ffn1", "FFN"),
    ("ffn2", "FFN"),
    ("add_ffn", "AddFFN"),
    ("bn_ffn", "BNFFN"),
)
"""The nodes of encoder layer i, named `l<i>_<suffix>`."""


def node_components(n_layers: int) -> dict[str, ComponentName]:
    """Node name → component for a Transformer of `n_layers` (1..16) encoder layers, in
    execution order: linput, add_pe, l0_mha_query … l0_bn_ffn, …, gap, loutput."""
    nodes: dict[str, ComponentName] = {"linput": "Linput", "add_pe": "AddPE"}
    for layer in range(n_layers):
        nodes |= {f"l{layer}_{suffix}": component for suffix, component in LAYER_NODES}
    return nodes | {"gap": "GAP", "loutput": "Loutput"}
