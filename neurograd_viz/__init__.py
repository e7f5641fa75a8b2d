"""Views of a Neurograd graph: graphviz ``draw_dot``, a plain-text tree, the chain rule.

    from neurograd_viz import draw_dot, explain, text_view
    print(text_view(y))        # needs no graphviz binary
    draw_dot(y)                # a graphviz.Digraph; shows inline in Jupyter
    draw_dot(y, show_local_grads=True)   # edges labelled with local derivatives
    explain(y, x)              # how x.grad is summed, edge by edge

graphviz itself is imported only when a graph is drawn.
"""

import importlib
from typing import TYPE_CHECKING, Any

# Names load on first use (PEP 562): every ``import neurograd_core`` imports this
# package to find the ``graph`` command, and should not pay for the views then.
_EXPORTS = {
    "ChainRule": "neurograd_viz.chain",
    "Edge": "neurograd_viz.chain",
    "explain": "neurograd_viz.chain",
    "PALETTE": "neurograd_viz.colors",
    "draw_dot": "neurograd_viz.dot",
    "RefusedGraph": "neurograd_viz.dot",
    "DEFAULT_MAX_NODES": "neurograd_viz.graph",
    "GraphTooLargeError": "neurograd_viz.graph",
    "trace": "neurograd_viz.graph",
    "text_view": "neurograd_viz.text",
}

if TYPE_CHECKING:
    from neurograd_viz.chain import ChainRule, Edge, explain
    from neurograd_viz.colors import PALETTE
    from neurograd_viz.dot import RefusedGraph, draw_dot
    from neurograd_viz.graph import DEFAULT_MAX_NODES, GraphTooLargeError, trace
    from neurograd_viz.text import text_view


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'neurograd_viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_MAX_NODES",
    "PALETTE",
    "ChainRule",
    "Edge",
    "GraphTooLargeError",
    "RefusedGraph",
    "draw_dot",
    "explain",
    "text_view",
    "trace",
]
