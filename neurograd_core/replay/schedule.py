"""Stage 2, schedule: a ``FlatGraph``'s nodes grouped into steps of one array call each.

Fusion first. ``sum(w * x for ...)`` in Python builds ``((b + t0) + t1) + t2 ...``:
a chain as deep as the neuron has inputs, which scheduled level by level would
cost one array call per term. So, on the flat graph:

* a link of an addition chain whose only consumer is the next link is merged
  into it: the chain becomes one *sum* node with all its terms;
* a term of a sum that is a product of a value that does not depend on the
  inputs (a weight) with another value, used nowhere else, becomes a
  (weight, input) *pair* of the sum. The pairs of a layer's neurons are one
  matrix product; ``sum(p * p for p in params)`` is one dot product.

A ``dot`` node (``Linear``'s neurons: weights and inputs in pairs, then a bias)
whose weights do not depend on the inputs and whose inputs do is such a sum already:
its pairs and its bias. Only ops that declare what they compute are rewritten: the
traits ``"sum"`` (the output is the sum of the inputs), ``"product"`` (of its two
inputs) and ``"dot"``, whichever plugin provides them.

Then levels. A node's level is one more than its deepest input's (leaves are
level 0), so the nodes of one level never depend on each other. Nodes of one
level that apply the same op with the same attributes to inputs from the same
buffers form one ``Group``, computed by one step. The number of steps grows
with the graph's depth and the number of op kinds, not with its number of
nodes: every neuron of a layer shares its layer's steps.

Rows. Values live in two buffers: ``BATCH`` rows hold one column per example
(nodes that depend on an input), ``FIXED`` rows a single column (parameters,
captured Values, constants and what is computed from them alone). ``BATCH``
starts with one row per input slot, ``FIXED`` with one per parameter, then
per captured Value, then per constant; each group's nodes then take
consecutive rows of one buffer, in schedule order.

Liveness. A gradient differentiated while replay traces holds ``where`` nodes over both
branches (``neurograd_core.branches``). Eager mode builds only the branch an
example takes; replay computes both for every example, and runs the backward
of the other one with a zero gradient. That is harmless unless the branch
overflowed: zero times an infinity is NaN, which eager mode never computed.

So each node that is live in some examples only gets a mask: a node of the graph,
1.0 in the examples whose eager graph holds it, computed from the conditions of
the ``where`` nodes above it (it is live where a consumer that passes it the
gradient is live, and, for a select op, where the condition picks it). Replay's
backward keeps that node's gradients to its inputs where its mask holds
(``steps.OpStep``). Nodes that every example has (the model, the first-order
gradient down to the ``where`` nodes) get no mask and cost nothing. A merged sum
has its last node's mask, which holds for every link and product merged into it
(each had that one consumer); ``steps.SumStep`` needs it only where a pair's input
is not finite. A ``FIXED`` node's one gradient is the batch's sum: it passes it on
if it is live in any example.

Ops tell which edges carry a gradient by their traits: ``"select"`` (its
condition input gets none, each branch where chosen) and ``"no_gradient"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from neurograd_core.branches import AND, ANY, NOT
from neurograd_core.op import DOT, NO_GRADIENT, PRODUCT, SELECT, SUM, Op
from neurograd_core.replay.trace import CAPTURED, CONST, INPUT, OP, PARAM, FlatGraph
from neurograd_core.value import Value

BATCH, FIXED = 0, 1


class OpKind(NamedTuple):
    """Nodes of one op with equal attributes: one call of its forward computes them all."""

    name: str
    forward: Callable[..., Any]
    backward: Callable[..., Any]
    attrs: tuple[tuple[str, str], ...]


class SumKind(NamedTuple):
    """Merged sums with ``n_pairs`` (weight, input) pairs, their inputs read from one buffer."""

    n_pairs: int
    pairs_batched: bool


class GroupKey(NamedTuple):
    """Nodes with equal keys form one group."""

    level: int
    kind: OpKind | SumKind
    batched: tuple[bool, ...]  # per input (for a sum, per plain term): read from BATCH rows?
    mask: int = -1  # the buffer of the nodes' liveness masks (``liveness``), -1 for none


class Rows(NamedTuple):
    """``size`` consecutive rows of one buffer, from ``start``."""

    buffer: int
    start: int
    size: int


class Row(NamedTuple):
    buffer: int
    row: int


class Read(NamedTuple):
    """One input of every node of a group: the row each node reads, in which buffer."""

    buffer: int
    rows: np.ndarray
    needs_grad: bool  # does a gradient flow back through this input, to a parameter?


@dataclass
class Group:
    """Nodes computed by one step.

    An op's group reads one ``Read`` per input of the op. A sum's reads its
    plain terms, then the weights of its pairs, then the pairs' other factors.
    """

    kind: OpKind | SumKind
    op: Op | None
    nodes: list[int]
    reads: list[Read]
    out: Rows
    needs_grad: bool
    mask: Read | None = None  # each node's liveness mask, read by the backward pass

    @property
    def n_terms(self) -> int:
        assert isinstance(self.kind, SumKind)
        return len(self.reads) - 2 * self.kind.n_pairs


@dataclass
class Schedule:
    """Everything a replay runs: groups in order, buffer sizes, where the outputs are."""

    groups: list[Group] = field(default_factory=list)
    n_rows: tuple[int, int] = (0, 0)
    outputs: list[Row] = field(default_factory=list)
    depth: int = 0
    n_inputs: int = 0
    n_params: int = 0
    n_captured: int = 0
    constants: list[float] = field(default_factory=list)  # traced numbers, after the captured

    @property
    def n_leaves(self) -> tuple[int, int]:
        """Leaf rows at the start of each buffer."""
        return self.n_inputs, self.n_params + self.n_captured + len(self.constants)


# -- fusion ---------------------------------------------------------------------------------


class Pair(NamedTuple):
    weight: int
    input: int


@dataclass
class Fused:
    """What fusion merged; nodes not mentioned are scheduled as they are."""

    terms: dict[int, list[int]] = field(default_factory=dict)  # sum node -> its plain terms
    pairs: dict[int, list[Pair]] = field(default_factory=dict)
    absorbed: set[int] = field(default_factory=set)  # merged into a later node: not computed


def _has_trait(graph: FlatGraph, node: int, trait: str, arity: int) -> bool:
    op = graph.ops[node]
    return (
        graph.kinds[node] == OP
        and op is not None
        and trait in op.traits
        and len(graph.children[node]) == arity
    )


def _consumer_counts(graph: FlatGraph) -> list[int]:
    """How many times each node is used: as an input of another node, or as an output."""
    counts = [0] * len(graph)
    for children in graph.children:
        for child in children:
            counts[child] += 1
    for out in graph.outputs:
        counts[out] += 1
    return counts


def _depends_on_inputs(graph: FlatGraph) -> list[bool]:
    batched = [False] * len(graph)
    for node, kind in enumerate(graph.kinds):
        batched[node] = kind == INPUT or any(batched[c] for c in graph.children[node])
    return batched


def fuse(graph: FlatGraph) -> Fused:
    consumers = _consumer_counts(graph)
    chains: dict[int, list[int]] = {}
    fused = Fused()
    for node in range(len(graph)):
        if not _has_trait(graph, node, SUM, 2):
            continue
        left, right = graph.children[node]
        if left in chains and consumers[left] == 1:
            chains[node] = chains.pop(left) + [right]
            fused.absorbed.add(left)
        else:
            chains[node] = [left, right]

    batched = _depends_on_inputs(graph)
    for node, chain in chains.items():
        if len(chain) < 3:
            continue  # a lone addition stays an add node
        candidates: dict[int, Pair] = {}
        for term in chain:
            if _has_trait(graph, term, PRODUCT, 2) and consumers[term] == 1:
                a, b = graph.children[term]
                if not batched[a] or not batched[b]:
                    candidates[term] = Pair(a, b) if not batched[a] else Pair(b, a)
        # one sum's pairs read their inputs from one buffer: products with an input win
        if any(batched[pair.input] for pair in candidates.values()):
            candidates = {t: pair for t, pair in candidates.items() if batched[pair.input]}
        pairs = list(candidates.values())
        fused.absorbed.update(candidates)
        fused.terms[node] = [term for term in chain if term not in candidates]
        if pairs:
            fused.pairs[node] = pairs

    for node, op in enumerate(graph.ops):  # a neuron of a Linear layer: one dot node
        if op is None or DOT not in op.traits or len(graph.children[node]) < 3:
            continue
        *factors, bias = graph.children[node]
        weights, inputs = factors[0::2], factors[1::2]
        if all(not batched[w] and batched[x] for w, x in zip(weights, inputs)):
            fused.terms[node] = [bias]
            fused.pairs[node] = [Pair(w, x) for w, x in zip(weights, inputs)]
    return fused


# -- liveness ------------------------------------------------------------------------------


def add_liveness(graph: FlatGraph) -> tuple[FlatGraph, dict[int, int]]:
    """The graph with mask nodes appended, and each masked node's mask node.

    A graph without a select op comes back as it is, with no masks.
    """
    if not any(op is not None and SELECT in op.traits for op in graph.ops):
        return graph, {}
    always = _always_live(graph)
    consumers: list[list[tuple[int, int]]] = [[] for _ in range(len(graph))]
    for node, children in enumerate(graph.children):
        for k, child in enumerate(children):
            consumers[child].append((node, k))

    grown = replace(
        graph,
        kinds=list(graph.kinds),
        ops=list(graph.ops),
        children=list(graph.children),
        slots=list(graph.slots),
        constants=list(graph.constants),
    )
    masks: dict[int, int] = {}
    negations: dict[int, int] = {}
    for node in reversed(range(len(graph))):  # a node's consumers come after it
        if always[node] or graph.kinds[node] != OP:
            continue
        terms: list[int] = []
        for consumer, k in consumers[node]:
            op = graph.ops[consumer]
            assert op is not None
            if NO_GRADIENT in op.traits or (SELECT in op.traits and k == 0):
                continue
            live = masks.get(consumer)  # None: the consumer is always live
            if SELECT in op.traits:
                condition = graph.children[consumer][0]
                if k == 2:
                    if condition not in negations:
                        negations[condition] = _append(grown, NOT, condition)
                    condition = negations[condition]
                live = condition if live is None else _append(grown, AND, live, condition)
            assert live is not None, "a node fed by an always-live consumer is always live"
            terms.append(live)
        if not terms:  # it only feeds conditions: eager mode never differentiates it
            masks[node] = _append_zero(grown)
        else:
            masks[node] = terms[0] if len(terms) == 1 else _append(grown, ANY, *terms)
    return grown, masks


def _always_live(graph: FlatGraph) -> list[bool]:
    """Nodes that every example's gradient reaches: from the outputs, through edges that
    always carry a gradient (not a select op's, not a no-gradient op's)."""
    always = [False] * len(graph)
    for out in graph.outputs:
        always[out] = True
    for node in reversed(range(len(graph))):
        op = graph.ops[node]
        if not always[node] or op is None or op.traits & {SELECT, NO_GRADIENT}:
            continue
        for child in graph.children[node]:
            always[child] = True
    return always


def _append(graph: FlatGraph, op: Op, *children: int) -> int:
    graph.kinds.append(OP)
    graph.ops.append(op)
    graph.children.append(children)
    graph.slots.append(-1)
    return len(graph.kinds) - 1


def _append_zero(graph: FlatGraph) -> int:
    graph.kinds.append(CONST)
    graph.ops.append(None)
    graph.children.append(())
    graph.slots.append(len(graph.constants))
    graph.constants.append(Value(0.0))
    return len(graph.kinds) - 1


# -- levels and rows ------------------------------------------------------------------------


def _op_kind(op: Op) -> OpKind:
    attrs = tuple((name, repr(value)) for name, value in sorted(op.attrs.items()))
    return OpKind(op.name, op.forward, op.backward, attrs)


@dataclass
class _Analysis:
    """Per node: its inputs, whether it is batched, needs a gradient, its level; the groups."""

    inputs: dict[int, tuple[int, ...]]  # a sum's: its plain terms, then weights, then inputs
    batched: list[bool]
    needs_grad: list[bool]
    level: list[int]
    groups: dict[GroupKey, list[int]]
    masks: dict[int, int] = field(default_factory=dict)  # masked node -> its mask node


def _analyse(graph: FlatGraph, masks: dict[int, int]) -> _Analysis:
    fused = fuse(graph)
    size = len(graph)
    found = _Analysis({}, [False] * size, [False] * size, [0] * size, {})
    batched = _depends_on_inputs(graph)
    for node, kind in enumerate(graph.kinds):
        found.batched[node] = kind == INPUT
        found.needs_grad[node] = kind in (PARAM, CAPTURED)
        if kind != OP or node in fused.absorbed:
            continue
        what: OpKind | SumKind
        passes_gradient, mask = True, -1
        if node in fused.terms:
            terms, pairs = fused.terms[node], fused.pairs.get(node, [])
            inputs = (*terms, *(p.weight for p in pairs), *(p.input for p in pairs))
            pattern = tuple(found.batched[i] for i in terms)
            pairs_batched = any(found.batched[p.input] for p in pairs)
            what = SumKind(len(pairs), pairs_batched)
        else:
            op = graph.ops[node]
            assert op is not None
            inputs = graph.children[node]
            pattern = tuple(found.batched[i] for i in inputs)
            what = _op_kind(op)
            passes_gradient = NO_GRADIENT not in op.traits
        if node in masks:
            mask = BATCH if batched[masks[node]] else FIXED
            found.masks[node] = masks[node]
        found.inputs[node] = inputs
        found.batched[node] = any(found.batched[i] for i in inputs)
        found.needs_grad[node] = passes_gradient and any(found.needs_grad[i] for i in inputs)
        found.level[node] = 1 + max(found.level[i] for i in inputs)
        key = GroupKey(found.level[node], what, pattern, mask)
        found.groups.setdefault(key, []).append(node)
    return found


def _leaf_rows(graph: FlatGraph) -> dict[int, Row]:
    """The row of every leaf: inputs, then parameters, captured Values and constants, by slot."""
    first = {
        INPUT: Row(BATCH, 0),
        PARAM: Row(FIXED, 0),
        CAPTURED: Row(FIXED, graph.n_params),
        CONST: Row(FIXED, graph.n_params + len(graph.captured)),
    }
    rows: dict[int, Row] = {}
    for node, kind in enumerate(graph.kinds):
        if kind != OP:
            buffer, start = first[kind]
            rows[node] = Row(buffer, start + graph.slots[node])
    return rows


def _group(
    graph: FlatGraph, found: _Analysis, key: GroupKey, rows: dict[int, Row], out: Rows
) -> Group:
    members = found.groups[key]
    table = np.array([[rows[i].row for i in found.inputs[node]] for node in members], np.intp)
    reads = []
    for k in range(table.shape[1]):
        first = found.inputs[members[0]][k]
        needs_grad = any(found.needs_grad[found.inputs[m][k]] for m in members)
        reads.append(Read(rows[first].buffer, table[:, k], needs_grad))
    op = None if isinstance(key.kind, SumKind) else graph.ops[members[0]]
    return Group(key.kind, op, members, reads, out, any(r.needs_grad for r in reads))


def build_schedule(graph: FlatGraph) -> Schedule:
    """Group the graph's nodes into steps, level by level, and give every node its row."""
    graph, masks = add_liveness(graph)
    found = _analyse(graph, masks)
    rows = _leaf_rows(graph)
    schedule = Schedule(
        n_inputs=graph.n_inputs,
        n_params=graph.n_params,
        n_captured=len(graph.captured),
        constants=[c.data for c in graph.constants],
    )
    next_row = list(schedule.n_leaves)
    for key in sorted(found.groups, key=lambda key: key.level):  # ties keep first-seen order
        members = found.groups[key]
        buffer = BATCH if found.batched[members[0]] else FIXED
        out = Rows(buffer, next_row[buffer], len(members))
        for i, node in enumerate(members):
            rows[node] = Row(buffer, out.start + i)
        next_row[buffer] += len(members)
        schedule.groups.append(_group(graph, found, key, rows, out))
    for group in schedule.groups:  # masks are read backward, once every row is computed
        if group.nodes[0] in found.masks:
            mask_rows = [rows[found.masks[node]] for node in group.nodes]
            table = np.array([row.row for row in mask_rows], np.intp)
            group.mask = Read(mask_rows[0].buffer, table, False)
    schedule.n_rows = (next_row[BATCH], next_row[FIXED])
    schedule.outputs = [rows[node] for node in graph.outputs]
    schedule.depth = max(found.level, default=0)
    return schedule
