"""A Value graph as flat lists: nodes in topological order, leaves sorted into roles.

Replay never walks ``Value`` objects after tracing; it works on this copy of
the graph's structure. A leaf is an *input* (a placeholder that takes new data
per example), a *parameter* (its current ``.data`` is read at every run and its
``.grad`` receives gradients) or a *constant* (any other leaf, such as the
``1`` in ``1 + x``; its ``.data`` is read at every run too, so a Value the
caller forgot to list as a parameter still behaves as in eager mode).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from neurograd_core.op import Op
from neurograd_core.value import Value

INPUT, PARAM, CONST, OP = "input", "param", "constant", "op"


@dataclass
class FlatGraph:
    """The structure of a graph: node ``i``'s children are all nodes before ``i``."""

    kinds: list[str] = field(default_factory=list)  # INPUT, PARAM, CONST or OP
    ops: list[Op | None] = field(default_factory=list)
    children: list[tuple[int, ...]] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)  # input column, parameter or constant index
    constants: list[Value] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    n_inputs: int = 0
    n_params: int = 0

    def __len__(self) -> int:
        return len(self.kinds)

    def signature(self) -> list[tuple[Any, ...]]:
        """What must match for two traces to be the same computation, node by node."""
        entries: list[tuple[Any, ...]] = []
        for i, kind in enumerate(self.kinds):
            if kind == OP:
                op = self.ops[i]
                assert op is not None
                entries.append((op.name, _attrs_key(op), self.children[i]))
            elif kind == CONST:
                entries.append((CONST, _float_key(self.constants[self.slots[i]].data)))
            else:
                entries.append((kind, self.slots[i]))
        return entries + [("outputs", tuple(self.outputs))]


def _attrs_key(op: Op) -> tuple[tuple[str, str], ...]:
    return tuple((name, repr(value)) for name, value in sorted(op.attrs.items()))


def _float_key(x: float) -> str:
    return "nan" if math.isnan(x) else float.hex(x)


def describe(entry: tuple[Any, ...]) -> str:
    """A signature entry in words, for error messages."""
    if entry[0] == CONST:
        return f"constant {float.fromhex(entry[1]) if entry[1] != 'nan' else math.nan!r}"
    if entry[0] in (INPUT, PARAM):
        return f"{entry[0]} #{entry[1]}"
    if entry[0] == "outputs":
        return f"outputs at nodes {entry[1]}"
    attrs = "".join(f", {name}={value}" for name, value in entry[1])
    return f"op {entry[0]!r}{attrs} on nodes {entry[2]}"


def _leaf_slots(values: Sequence[Value], what: str) -> dict[Value, int]:
    slots: dict[Value, int] = {}
    for i, value in enumerate(values):
        if not isinstance(value, Value):
            raise TypeError(f"{what} #{i} is {type(value).__name__}, expected a Value")
        if value in slots:
            raise ValueError(f"{what} #{i} is the same Value as {what} #{slots[value]}")
        if value.children:
            raise ValueError(
                f"{what} #{i} ({value!r}) was computed from other Values; "
                f"{what}s must be leaves of the graph"
            )
        slots[value] = i
    return slots


def flatten(
    outputs: Sequence[Value], inputs: Sequence[Value], params: Sequence[Value]
) -> FlatGraph:
    """The graph below ``outputs``, with ``inputs`` and ``params`` given their slots."""
    input_slots = _leaf_slots(inputs, "input")
    param_slots = _leaf_slots(params, "parameter")
    for value, i in input_slots.items():
        if value in param_slots:
            raise ValueError(f"input #{i} is also parameter #{param_slots[value]}")
    for i, out in enumerate(outputs):
        if not isinstance(out, Value):
            raise TypeError(f"output #{i} is {type(out).__name__}, expected a Value")

    graph = FlatGraph(n_inputs=len(inputs), n_params=len(params))
    index: dict[Value, int] = {}
    for root in outputs:
        # iterative post-order: a node is numbered after all its children
        stack: list[tuple[Value, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in index:
                continue
            if expanded or not node.children:
                _append(graph, node, index, input_slots, param_slots)
                continue
            stack.append((node, True))
            for child in reversed(node.children):
                if child not in index:
                    stack.append((child, False))
        graph.outputs.append(index[root])
    return graph


def _append(
    graph: FlatGraph,
    node: Value,
    index: dict[Value, int],
    input_slots: dict[Value, int],
    param_slots: dict[Value, int],
) -> None:
    index[node] = len(graph.kinds)
    if node.children:
        graph.kinds.append(OP)
        graph.ops.append(node._op)
        graph.children.append(tuple(index[child] for child in node.children))
        graph.slots.append(-1)
        return
    graph.ops.append(None)
    graph.children.append(())
    if node in input_slots:
        graph.kinds.append(INPUT)
        graph.slots.append(input_slots[node])
    elif node in param_slots:
        graph.kinds.append(PARAM)
        graph.slots.append(param_slots[node])
    else:
        graph.kinds.append(CONST)
        graph.slots.append(len(graph.constants))
        graph.constants.append(node)
