"""Level scheduling: group a flat graph's nodes into steps of a few array calls each.

A node's level is one more than its deepest input's (leaves are level 0), so
the nodes of one level never depend on each other. Nodes of one level that
apply the same op with the same attributes to inputs from the same kind of
buffers become one step; chains of additions are first merged into sums, and
a neuron's weighted sum into one node (``fusion``), grouped with the sums of
the same shape. The number of steps grows with the graph's depth and the
number of op kinds, not with its number of nodes: every neuron of a layer
shares its layer's steps.

Rows: the ``BATCH`` buffer starts with one row per input slot, the ``FIXED``
buffer with one row per parameter, then one per constant; each step's nodes
then take consecutive rows, in schedule order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurograd_core.replay.backend import Backend
from neurograd_core.replay.fusion import fuse
from neurograd_core.replay.graph import CONST, INPUT, OP, PARAM, FlatGraph
from neurograd_core.replay.steps import BATCH, FIXED, OpStep, SumStep


@dataclass
class Plan:
    """Everything a replay needs to run: steps in order, buffer sizes, where outputs are."""

    steps: list[Any] = field(default_factory=list)
    n_rows: tuple[int, int] = (0, 0)
    outputs: list[tuple[int, int]] = field(default_factory=list)  # (buffer, row) per output
    depth: int = 0


def _op_key(op: Any) -> tuple[Any, ...]:
    """Nodes with equal keys compute the same function: one array call can do them all."""
    attrs = tuple((name, repr(value)) for name, value in sorted(op.attrs.items()))
    return (op.name, id(op.forward), id(op.backward), attrs)


SUM = "merged sum"  # groups of sums have the key (SUM, number of pairs); no op name has a space


@dataclass
class _Analysis:
    """Per node: its inputs, whether it is batched, needs a gradient, its level; and the groups."""

    inputs: dict[int, tuple[int, ...]]  # a sum's: its plain terms, then weights, then inputs
    batched: list[bool]
    needs_grad: list[bool]
    level: list[int]
    groups: dict[tuple[Any, ...], list[int]]  # (level, what, batched inputs) -> nodes


def _analyse(graph: FlatGraph) -> _Analysis:
    fused = fuse(graph)
    size = len(graph)
    found = _Analysis({}, [False] * size, [False] * size, [0] * size, {})
    for node, kind in enumerate(graph.kinds):
        found.batched[node] = kind == INPUT
        found.needs_grad[node] = kind == PARAM
        if kind != OP or node in fused.absorbed:
            continue
        if node in fused.terms:
            terms, pairs = fused.terms[node], fused.pairs.get(node, [])
            inputs = (*terms, *(w for w, _ in pairs), *(x for _, x in pairs))
            pattern = tuple(found.batched[i] for i in terms)
            what: tuple[Any, ...] = (SUM, len(pairs))
        else:
            inputs = graph.children[node]
            pattern = tuple(found.batched[i] for i in inputs)
            what = _op_key(graph.ops[node])
        found.inputs[node] = inputs
        found.batched[node] = any(found.batched[i] for i in inputs)
        found.needs_grad[node] = any(found.needs_grad[i] for i in inputs)
        found.level[node] = 1 + max(found.level[i] for i in inputs)
        found.groups.setdefault((found.level[node], what, pattern), []).append(node)
    return found


def _leaf_rows(graph: FlatGraph) -> dict[int, tuple[int, int]]:
    """(buffer, row) of every leaf: inputs, then parameters and constants, by slot."""
    rows: dict[int, tuple[int, int]] = {}
    for node, kind in enumerate(graph.kinds):
        if kind == INPUT:
            rows[node] = (BATCH, graph.slots[node])
        elif kind == PARAM:
            rows[node] = (FIXED, graph.slots[node])
        elif kind == CONST:
            rows[node] = (FIXED, graph.n_params + graph.slots[node])
    return rows


def _make_step(
    graph: FlatGraph,
    found: _Analysis,
    key: tuple[Any, ...],
    rows: dict[int, tuple[int, int]],
    out: tuple[int, int, int],
    position: int,
    backend: Backend,
) -> OpStep | SumStep:
    members = found.groups[key]
    pattern = key[2]
    table = np.array([[rows[i][1] for i in found.inputs[node]] for node in members], np.intp)
    grads = [
        any(found.needs_grad[found.inputs[m][k]] for m in members) for k in range(table.shape[1])
    ]
    step: OpStep | SumStep
    if key[1][0] == SUM:
        n_terms, n_pairs = len(pattern), key[1][1]
        on_batch = [k for k, batched in enumerate(pattern) if batched]
        on_fixed = [k for k, batched in enumerate(pattern) if not batched]
        weights = slice(n_terms, n_terms + n_pairs)
        inputs = slice(n_terms + n_pairs, None)
        pairs = (table[:, weights], table[:, inputs]) if n_pairs else None
        step = SumStep(
            position,
            table[:, on_batch],
            table[:, on_fixed],
            pairs,
            out,
            grads=(
                any(grads[k] for k in on_batch),
                any(grads[k] for k in on_fixed),
                any(grads[weights]),
                any(grads[inputs]),
            ),
            backend=backend,
        )
    else:
        op = graph.ops[members[0]]
        reads = [(BATCH if batched else FIXED, table[:, k]) for k, batched in enumerate(pattern)]
        grad_reads = [k for k, needed in enumerate(grads) if needed]
        step = OpStep(position, op, reads, out, grad_reads, backend)
    step.needs_grad = any(grads)
    return step


def build_plan(graph: FlatGraph, backend: Backend) -> Plan:
    """Group the graph's nodes into steps, level by level, and give every node its row."""
    found = _analyse(graph)
    rows = _leaf_rows(graph)
    next_row = [graph.n_inputs, graph.n_params + len(graph.constants)]
    plan = Plan()
    for key in sorted(found.groups, key=lambda key: key[0]):  # stable: ties keep first-seen order
        members = found.groups[key]
        buffer = BATCH if found.batched[members[0]] else FIXED
        start = next_row[buffer]
        for i, node in enumerate(members):
            rows[node] = (buffer, start + i)
        next_row[buffer] += len(members)
        out = (buffer, start, len(members))
        plan.steps.append(_make_step(graph, found, key, rows, out, len(plan.steps), backend))
    plan.n_rows = (next_row[BATCH], next_row[FIXED])
    plan.outputs = [rows[node] for node in graph.outputs]
    plan.depth = max(found.level, default=0)
    return plan
