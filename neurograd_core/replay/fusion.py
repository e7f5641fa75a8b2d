"""Rewrite a neuron's ``b + w0*x0 + w1*x1 + ...`` into one node, so a layer is one matmul.

``sum(w * x for ...)`` in Python builds ``((b + t0) + t1) + t2 ...``: a chain
as deep as the neuron has inputs. Scheduled level by level, that chain alone
would cost one numpy call per term. Two rewrites, both on the flat graph:

* a link of an addition chain whose only consumer is the next link is merged
  into it: the chain becomes one *sum* node with all its terms;
* a term of a sum that is a product of a value computed from parameters alone
  (a weight) and one that depends on the inputs, used nowhere else, becomes a
  (weight, input) *pair* of the sum: a neuron's weighted sum. Replay computes
  the pairs of a whole layer as one matrix product (``steps.Pairs``).

Only ops that declare what they compute are rewritten: the trait ``"sum"``
(the output is the sum of the inputs) and ``"product"`` (of its two inputs),
whichever plugin provides them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from neurograd_core.op import PRODUCT, SUM
from neurograd_core.replay.graph import INPUT, OP, FlatGraph


@dataclass
class Fused:
    """What the rewrites merged; nodes not mentioned are scheduled as they are."""

    terms: dict[int, list[int]] = field(default_factory=dict)  # sum node -> its other terms
    pairs: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # (weight, input)
    absorbed: set[int] = field(default_factory=set)  # merged into a later node: not computed


def _has_trait(graph: FlatGraph, node: int, trait: str, arity: int) -> bool:
    op = graph.ops[node]
    return (
        graph.kinds[node] == OP
        and op is not None
        and trait in op.traits
        and len(graph.children[node]) == arity
    )


def consumer_counts(graph: FlatGraph) -> list[int]:
    """How many times each node is used: as an input of another node, or as an output."""
    counts = [0] * len(graph)
    for children in graph.children:
        for child in children:
            counts[child] += 1
    for out in graph.outputs:
        counts[out] += 1
    return counts


def depends_on_inputs(graph: FlatGraph) -> list[bool]:
    batched = [False] * len(graph)
    for node, kind in enumerate(graph.kinds):
        batched[node] = kind == INPUT or any(batched[c] for c in graph.children[node])
    return batched


def fuse(graph: FlatGraph) -> Fused:
    consumers = consumer_counts(graph)
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

    batched = depends_on_inputs(graph)
    for node, chain in chains.items():
        if len(chain) < 3:
            continue  # a lone addition stays an add node
        terms, pairs = [], []
        for term in chain:
            factors = graph.children[term]
            weighted = (
                _has_trait(graph, term, PRODUCT, 2)
                and consumers[term] == 1
                and batched[factors[0]] != batched[factors[1]]
            )
            if weighted:
                weight, x = factors if batched[factors[1]] else factors[::-1]
                pairs.append((weight, x))
                fused.absorbed.add(term)
            else:
                terms.append(term)
        fused.terms[node] = terms
        if pairs:
            fused.pairs[node] = pairs
    return fused
