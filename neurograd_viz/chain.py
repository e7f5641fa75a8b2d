"""The chain rule made visible: what each edge of a graph adds to a gradient.

    from neurograd_viz import explain
    L.backward()
    explain(L, a)              # how a.grad was summed, edge by edge

For a node ``n = op(c_1, ..., c_k)`` the edge from ``c_i`` into ``n`` has a
*local derivative* ∂n/∂c_i (the op's backward with upstream gradient 1) and
adds a *contribution* d(root)/dn × ∂n/∂c_i to ``c_i``'s gradient; a node's
gradient is the sum of the contributions of the edges out of it.

The gradients shown are recomputed from ``root``, never read from ``.grad``:
``.grad`` accumulates over every ``backward()`` call, from any root, so it
equals d(root)/d(node) only after one ``root.backward()`` on a fresh graph.
They are recomputed by the engine itself: ``backward()`` runs on a copy of the
graph (same data, ops and inputs), so they agree with a fresh ``.grad`` to the
last bit, and the original's ``.grad`` is left alone. The views say where
``.grad`` differs.
"""

from __future__ import annotations

import math
from typing import IO, NamedTuple

from neurograd_core.value import Value
from neurograd_viz.graph import _type_name, check_limit, check_root
from neurograd_viz.labels import format_number, one_line

DEFAULT_MAX_EDGES = 20
"""Edges ``explain`` lists before it keeps only the largest contributions."""

DEFAULT_MAX_EDGE_LABELS = 60
"""Edges ``draw_dot(show_local_grads=True)`` labels before it keeps only the largest:
past a few dozen, labels overlap and hide the graph they explain."""


class Edge(NamedTuple):
    """One input of one node: ``parent.children[position] is child``."""

    parent: Value
    position: int  # 0-based: ``x * x`` has two edges from x, at positions 0 and 1
    child: Value
    local: float  # ∂parent/∂child: the op's backward with upstream gradient 1
    upstream: float  # d(root)/d(parent)
    # What backward() adds to the child's gradient along this edge: the op's backward
    # with upstream gradient ``upstream``, which is upstream × local up to rounding.
    contribution: float


def size(edge: Edge) -> float:
    """How large a contribution is, for keeping the largest; NaN counts as largest."""
    c = edge.contribution
    return math.inf if math.isnan(c) else abs(c)


def same_number(a: float, b: float) -> bool:
    """Equal, counting NaN as equal to NaN (both say 'not a number here')."""
    return a == b or (math.isnan(a) and math.isnan(b))


def _inputs_first(root: Value) -> list[Value]:
    """Every Value below ``root`` once, each after all of its inputs; no recursion."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in node.children)
    return order


def _gradients(root: Value, inputs_first: list[Value]) -> dict[Value, float]:
    """d(root)/d(node) for every node, by ``backward()`` on a copy of the graph."""
    copies: dict[Value, Value] = {}
    for node in inputs_first:
        inputs = tuple(copies[child] for child in node.children)
        copies[node] = Value(node.data, inputs, node.op)
    copies[root].backward()
    return {node: copy.grad for node, copy in copies.items()}


class ChainRule:
    """The gradients of ``root`` and every edge's share of them, recomputed from the graph.

    ``gradient[node]`` is d(root)/d(node) as a fresh ``root.backward()`` gives it;
    ``edges()`` and ``edges_into(node)`` give each edge's local derivative and
    contribution. No ``.grad`` is read or written.
    """

    def __init__(self, root: Value) -> None:
        self.root = check_root(root, "ChainRule")
        inputs_first = _inputs_first(self.root)
        self.nodes = inputs_first[::-1]  # root first, each node before its inputs
        self.gradient = _gradients(self.root, inputs_first)

    def _edges_of(self, parent: Value) -> list[Edge]:
        op = parent.op
        if op is None:
            return []
        children = parent.children
        inputs = [child.data for child in children]
        upstream = self.gradient[parent]
        local = op.backward_call(1.0, parent.data, *inputs)
        added = op.backward_call(upstream, parent.data, *inputs)
        return [
            Edge(parent, i, child, float(local[i]), upstream, float(added[i]))
            for i, child in enumerate(children)
        ]

    def edges(self) -> list[Edge]:
        """Every edge of the graph: parents from the root down, each one's inputs in order."""
        return [edge for parent in self.nodes for edge in self._edges_of(parent)]

    def edges_into(self, child: Value) -> list[Edge]:
        """The edges out of ``child`` (into the nodes computed from it); their
        contributions sum to ``gradient[child]``."""
        self._check_in_graph(child, "edges_into")
        parents = [node for node in self.nodes if child in node.children]  # == is identity
        return [
            edge for parent in parents for edge in self._edges_of(parent) if edge.child is child
        ]

    def _check_in_graph(self, node: object, caller: str) -> None:
        if not isinstance(node, Value):
            raise TypeError(f"{caller}(): expected a Value of root's graph, got {_type_name(node)}")
        if node not in self.gradient:
            raise ValueError(
                f"{caller}(): {_name(node, 'the Value')} ({node!r}) is not in the graph of "
                f"root {_name(self.root, 'root')}: root was not computed from it"
            )


def _name(value: Value, fallback: str) -> str:
    return one_line(str(value.label)) if value.label else fallback


def _d(name: str) -> str:
    """``dx`` for a one-letter name, ``d(loss)`` for a longer one."""
    return f"d{name}" if len(name) == 1 else f"d({name})"


def _describe(value: Value) -> str:
    """A node as text_view shows it: op, label in quotes, data."""
    parts = [one_line(value.op.label)] if value.op is not None else []
    if value.label:
        parts.append(repr(str(value.label)))
    parts.append(f"data {format_number(value.data)}")
    return " ".join(parts)


def _table(rows: list[list[str]]) -> list[str]:
    """Rows as aligned columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def explanation(root: Value, leaf: Value, max_edges: int | None = DEFAULT_MAX_EDGES) -> str:
    """The text ``explain`` prints."""
    root = check_root(root, "explain")
    max_edges = check_limit(max_edges, "explain", "max_edges")
    rule = ChainRule(root)
    rule._check_in_graph(leaf, "explain")
    r, x = _name(root, "root"), _name(leaf, "leaf")
    total = rule.gradient[leaf]
    if leaf is root:
        lines = [f"{r} is the root: backward() starts from {_d(r)}/{_d(r)} = 1; no edge feeds it."]
    else:
        lines = _edge_lines(rule.edges_into(leaf), r, x, total, max_edges)
    gradient = f"{_d(r)}/{_d(x)}"
    if same_number(leaf.grad, total):
        lines.append(f"{x}.grad = {format_number(leaf.grad)}, equal to {gradient}.")
    else:
        lines.append(
            f"{x}.grad = {format_number(leaf.grad)}, not {gradient}: .grad sums every "
            "backward() since it was last set to 0, from any root.\n"
            f"Set .grad = 0 on the graph's Values and run {r}.backward() once: the two then agree."
        )
    return "\n".join(lines)


def _edge_lines(
    edges: list[Edge], r: str, x: str, total: float, max_edges: int | None
) -> list[str]:
    n = len(edges)
    plural = "edge" if n == 1 else "edges"
    dr, dx = _d(r), _d(x)
    lines = [f"{dr}/{dx} = Σ {dr}/dparent × ∂parent/∂{x} over the {n} {plural} out of {x}"]
    shown, left_out = edges, []
    if max_edges is not None and n > max_edges:
        by_size = sorted(edges, key=size, reverse=True)
        shown, left_out = by_size[:max_edges], by_size[max_edges:]
        largest = "largest contribution" if max_edges == 1 else f"{max_edges} largest contributions"
        lines.append(f"  (the {largest}, largest first)")
    rows = [["parent", "input", f"{dr}/dparent", f"∂parent/∂{x}", "contribution"]]
    for edge in shown:
        rows.append(
            [
                _describe(edge.parent),
                f"{edge.position + 1} of {len(edge.parent.children)}",
                format_number(edge.upstream),
                format_number(edge.local),
                format_number(edge.contribution),
            ]
        )
    if left_out:
        rest = math.fsum(edge.contribution for edge in left_out)
        more = "edge" if len(left_out) == 1 else "edges"
        rows.append([f"{len(left_out)} more {more} left out", "", "", "", format_number(rest)])
    rows.append([f"total {dr}/{dx}", "", "", "", format_number(total)])
    return lines + _table(rows)


def explain(
    root: Value,
    leaf: Value,
    *,
    max_edges: int | None = DEFAULT_MAX_EDGES,
    file: IO[str] | None = None,
) -> None:
    """Print how ``leaf``'s gradient is summed by the chain rule, edge by edge.

    Each edge out of ``leaf`` (into a node computed from it; ``x * x`` has two)
    is listed with d(root)/d(parent), the local derivative ∂parent/∂leaf and
    their product, the contribution; then their total, d(root)/d(leaf), and
    whether ``leaf.grad`` holds it. Gradients are recomputed from ``root``, not
    read from ``.grad``. Past ``max_edges`` edges (None: no limit) only the
    largest contributions are listed, and the rest summed on one line.
    """
    print(explanation(root, leaf, max_edges), file=file)
