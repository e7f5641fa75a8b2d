"""Merge chains of additions into one n-ary sum, so a neuron's sum is one level, not n.

``sum(w * x for ...)`` in Python builds ``((b + t0) + t1) + t2 ...``: a chain
as deep as the neuron has inputs. Scheduled level by level, that chain alone
would cost one numpy call per term. A link of the chain whose only consumer is
the next link is merged into it, and the chain becomes one node with all its
terms, which replay adds in one call (``np.add.reduce`` over the terms).
Only the bundled ``add`` (forward ``operator.add``) is merged: the engine
knows what it computes.
"""

from __future__ import annotations

import operator

from neurograd_core.replay.graph import OP, FlatGraph


def is_plain_add(graph: FlatGraph, node: int) -> bool:
    op = graph.ops[node]
    return graph.kinds[node] == OP and op is not None and op.forward is operator.add


def sum_chains(graph: FlatGraph) -> tuple[dict[int, list[int]], set[int]]:
    """(terms of each merged sum by its last node, nodes absorbed into a later link)."""
    consumers = [0] * len(graph)
    for children in graph.children:
        for child in children:
            consumers[child] += 1
    for out in graph.outputs:
        consumers[out] += 1

    terms: dict[int, list[int]] = {}
    absorbed: set[int] = set()
    for node in range(len(graph)):
        if not is_plain_add(graph, node):
            continue
        left, right = graph.children[node]
        if left in terms and consumers[left] == 1:
            terms[node] = terms.pop(left) + [right]
            absorbed.add(left)
        else:
            terms[node] = [left, right]
    merged = {node: chain for node, chain in terms.items() if len(chain) > 2}
    return merged, absorbed
