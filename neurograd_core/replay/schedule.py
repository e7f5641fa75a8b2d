"""Level scheduling: group a flat graph's nodes into steps that each cost one numpy call.

A node's level is one more than its deepest input's (leaves are level 0), so
the nodes of one level never depend on each other. Nodes of one level that
apply the same op with the same attributes to inputs from the same kind of
buffers become one step; chains of additions are first merged into sums
(``fusion``). The number of steps grows with the graph's depth and the number
of op kinds, not with its number of nodes: every neuron of a layer shares its
layer's steps.

Rows: the ``BATCH`` buffer starts with one row per input slot, the ``FIXED``
buffer with one row per parameter, then one per constant; each step's nodes
then take consecutive rows, in schedule order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurograd_core.replay.fusion import sum_chains
from neurograd_core.replay.graph import CONST, INPUT, OP, PARAM, FlatGraph
from neurograd_core.replay.slow import array_backward, array_forward, is_slow
from neurograd_core.replay.steps import BATCH, FIXED, OpStep, SumStep


@dataclass
class Plan:
    """Everything a replay needs to run: steps in order, buffer sizes, where outputs are."""

    steps: list[Any] = field(default_factory=list)
    n_rows: tuple[int, int] = (0, 0)
    outputs: list[tuple[int, int]] = field(default_factory=list)  # (buffer, row) per output
    depth: int = 0
    slow_ops: tuple[str, ...] = ()


def _op_key(op: Any) -> tuple[Any, ...]:
    attrs = tuple((name, repr(value)) for name, value in sorted(op.attrs.items()))
    return (op.name, id(op.forward), id(op.backward), id(op.vectorized_forward), attrs)


def build_plan(graph: FlatGraph) -> Plan:
    sums, absorbed = sum_chains(graph)
    size = len(graph)
    batched = [False] * size
    needs_grad = [False] * size
    level = [0] * size
    inputs_of: dict[int, tuple[int, ...]] = {}
    groups: dict[tuple[Any, ...], list[int]] = {}
    for node, kind in enumerate(graph.kinds):
        if kind == INPUT:
            batched[node] = True
        elif kind == PARAM:
            needs_grad[node] = True
        if kind != OP or node in absorbed:
            continue
        inputs = tuple(sums[node]) if node in sums else graph.children[node]
        inputs_of[node] = inputs
        batched[node] = any(batched[i] for i in inputs)
        needs_grad[node] = any(needs_grad[i] for i in inputs)
        level[node] = 1 + max(level[i] for i in inputs)
        pattern = tuple(batched[i] for i in inputs)
        what = ("sum",) if node in sums else _op_key(graph.ops[node])
        groups.setdefault((level[node], what, pattern), []).append(node)

    rows: dict[int, tuple[int, int]] = {}
    n_params = graph.n_params
    for node, kind in enumerate(graph.kinds):
        if kind == INPUT:
            rows[node] = (BATCH, graph.slots[node])
        elif kind == PARAM:
            rows[node] = (FIXED, graph.slots[node])
        elif kind == CONST:
            rows[node] = (FIXED, n_params + graph.slots[node])
    next_row = [graph.n_inputs, n_params + len(graph.constants)]

    plan = Plan()
    slow: dict[str, None] = {}
    for key in sorted(groups, key=lambda key: key[0]):  # stable: ties keep first-seen order
        members = groups[key]
        pattern = key[2]
        buffer = BATCH if any(pattern) else FIXED
        start = next_row[buffer]
        for i, node in enumerate(members):
            rows[node] = (buffer, start + i)
        next_row[buffer] += len(members)
        out = (buffer, start, len(members))
        position = len(plan.steps)
        table = np.array([[rows[i][1] for i in inputs_of[node]] for node in members], np.intp)
        grads = [
            any(needs_grad[inputs_of[node][k]] for node in members) for k in range(len(pattern))
        ]
        if key[1] == ("sum",):
            on_batch = [k for k, b in enumerate(pattern) if b]
            on_fixed = [k for k, b in enumerate(pattern) if not b]
            step: Any = SumStep(
                position,
                table[:, on_batch],
                table[:, on_fixed],
                out,
                grad_batch=any(grads[k] for k in on_batch),
                grad_fixed=any(grads[k] for k in on_fixed),
            )
        else:
            op = graph.ops[members[0]]
            if is_slow(op):
                slow[op.name] = None
            reads = [(BATCH if b else FIXED, table[:, k]) for k, b in enumerate(pattern)]
            grad_reads = [k for k, needed in enumerate(grads) if needed]
            step = OpStep(
                position, op, array_forward(op), array_backward(op), reads, out, grad_reads
            )
        step.needs_grad = any(grads)
        plan.steps.append(step)
    plan.n_rows = (next_row[BATCH], next_row[FIXED])
    plan.outputs = [rows[node] for node in graph.outputs]
    plan.depth = max(level, default=0)
    plan.slow_ops = tuple(slow)
    return plan
