"""Views of a Neurograd graph: graphviz ``draw_dot`` and a plain-text tree.

    from neurograd_viz import draw_dot, text_view
    print(text_view(y))        # needs no graphviz binary
    draw_dot(y)                # a graphviz.Digraph; shows inline in Jupyter

graphviz itself is imported only when a graph is drawn.
"""

from neurograd_viz.colors import PALETTE
from neurograd_viz.dot import draw_dot
from neurograd_viz.graph import DEFAULT_MAX_NODES, GraphTooLargeError, trace
from neurograd_viz.text import text_view

__all__ = [
    "DEFAULT_MAX_NODES",
    "PALETTE",
    "GraphTooLargeError",
    "draw_dot",
    "text_view",
    "trace",
]
