"""Clock cycles of each IP of cores/ and of a generated model, from their generics.

Each formula follows the IP's state machine (one clock edge per state visit) and counts as
the testbenches do: from the cycle `start` is high to the cycle `done` is seen, both
included. With R = ROWS and CHUNKS = ⌈width / PAR⌉ over the width the IP walks in PAR
steps:

- linear: R · (OUT_FEATURES · CHUNKS + 5) + 2 (load, latch, a 2-stage MAC pipeline, write);
- add, batchnorm: R · (CHUNKS + 3) + 2;
- gap: R + CHUNKS + 4 (sum every row, then requantize PAR channels per cycle);
- attention, per row and head: scores R · CHUNKS + 3, exponentials R, divisions R +
  PROB_BITS + 4 (a PROB_BITS + 1-stage divider), context R · CHUNKS + 2; so
  R · (3 + HEADS · (2 · R · CHUNKS + 2 · R + PROB_BITS + 8)) + 2 with CHUNKS = d_head / PAR.

A generated model runs its nodes one after another: its latency is the sum of its nodes'
cycles plus 2 (`model_cycles`). Tests compare every formula with GHDL simulation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from resq.hdlgen.mapping import Generic, HdlgenError, IpInstance


def _chunks(width: int, par: int) -> int:
    return -(-width // par)


def ip_cycles(ip: str, generics: Mapping[str, Generic]) -> int:
    """Cycles of one run of IP `ip` (linear, add, batchnorm, gap, attention) with `generics`
    (at least ROWS, PAR and the IP's sizes; attention also HEADS and PROB_BITS)."""
    g = {k: int(v) for k, v in generics.items() if isinstance(v, int) and not isinstance(v, bool)}
    rows, par = g["ROWS"], g["PAR"]
    if ip == "linear":
        return rows * (g["OUT_FEATURES"] * _chunks(g["IN_FEATURES"], par) + 5) + 2
    if ip in ("add", "batchnorm"):
        return rows * (_chunks(g["FEATURES"], par) + 3) + 2
    if ip == "gap":
        return rows + _chunks(g["FEATURES"], par) + 4
    if ip == "attention":
        chunks = g["FEATURES"] // g["HEADS"] // par
        head = 2 * rows * chunks + 2 * rows + g["PROB_BITS"] + 8
        return rows * (3 + g["HEADS"] * head) + 2
    raise HdlgenError(f"no cycle formula for IP {ip!r}")


def node_cycles(instance: IpInstance) -> int:
    """Cycles of the node built as `instance` (resq.hdlgen.mapping.ip_instance)."""
    return ip_cycles(instance.ip, instance.generics)


SEQUENCER_CYCLES = 2
"""Cycles a generated top adds to the sum of its nodes' cycles."""


def model_cycles(instances: Sequence[IpInstance]) -> int:
    """Cycles of one inference of a generated model whose nodes are `instances`."""
    return sum(node_cycles(instance) for instance in instances) + SEQUENCER_CYCLES
