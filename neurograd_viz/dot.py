"""``draw_dot``: a graph as micrograd draws it, one record per Value and one node per op.

    from neurograd_viz import draw_dot
    dot = draw_dot(y)          # a graphviz.Digraph; shows inline in Jupyter
    dot.render("graph")        # or dot.pipe() for the bytes

graphviz is imported when a graph is drawn, not when Neurograd loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from neurograd_core.registry import registry
from neurograd_core.value import Value
from neurograd_viz.colors import UNREGISTERED, provider_colors
from neurograd_viz.graph import (
    DEFAULT_MAX_NODES,
    GraphTooLargeError,
    check_max_nodes,
    check_root,
    trace,
)
from neurograd_viz.labels import escape_label, format_number

if TYPE_CHECKING:
    import graphviz

RANKDIRS = ("LR", "TB")


def _check_format(format: Any) -> str:
    import graphviz

    if not isinstance(format, str):
        raise TypeError(f"draw_dot(): format must be a string such as 'svg', got {format!r}")
    if format not in graphviz.FORMATS:
        raise ValueError(
            f"draw_dot(): unknown format {format!r}; use one graphviz knows, "
            "e.g. 'svg', 'png' or 'pdf'"
        )
    return format


def _check_rankdir(rankdir: Any) -> str:
    if rankdir not in RANKDIRS:
        raise ValueError(
            f"draw_dot(): rankdir must be 'LR' (left to right) or 'TB' (top to bottom), "
            f"got {rankdir!r}"
        )
    return rankdir


def record_label(value: Value) -> str:
    """The record text of a Value: its label when it has one, its data and its grad."""
    fields = [f"data {format_number(value.data)}", f"grad {format_number(value.grad)}"]
    if value.label:
        fields.insert(0, escape_label(str(value.label), record=True))
    return "{ " + " | ".join(fields) + " }"


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
    *,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    color_by_plugin: bool = False,
) -> graphviz.Digraph:
    """The graph below ``root`` as a ``graphviz.Digraph``.

    Each Value is a record (label | data | grad); each computed Value has an op
    node, labelled with the op's symbol or name, between it and its inputs.
    ``rankdir`` is ``"LR"`` or ``"TB"``. More than ``max_nodes`` Values raise
    ``GraphTooLargeError`` (None: no limit); in a notebook the result is a
    ``RefusedGraph`` instead, which shows the reason in the cell. ``color_by_plugin`` fills each op
    node with the colour of the plugin that registered the op, with a legend.
    """
    import graphviz

    root = check_root(root, "draw_dot")
    format = _check_format(format)
    rankdir = _check_rankdir(rankdir)
    max_nodes = check_max_nodes(max_nodes, "draw_dot")
    if not isinstance(color_by_plugin, bool):
        raise TypeError(
            f"draw_dot(): color_by_plugin must be True or False, got {color_by_plugin!r}"
        )
    try:
        nodes = trace(root, max_nodes, caller="draw_dot")
    except GraphTooLargeError as refusal:
        from neurograd_core.notebook import in_notebook

        if in_notebook():  # the cell says so, without a traceback
            return RefusedGraph(refusal)  # type: ignore[return-value]
        raise

    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    providers = {node: registry.provider_of(node.op.name) for node in nodes if node.op is not None}
    colors = provider_colors(providers.values()) if color_by_plugin else {}

    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": rankdir})
    for node in nodes:
        name = ids[node]
        dot.node(name, graphviz.nohtml(record_label(node)), shape="record")
        if node.op is None:
            continue
        op_name = name + "op"
        style = {}
        if color_by_plugin:
            style = {"style": "filled", "fillcolor": colors[providers[node]]}
        dot.node(op_name, graphviz.nohtml(escape_label(node.op.label)), **style)
        dot.edge(op_name, name)
        for child in node.children:
            dot.edge(ids[child], op_name)
    if color_by_plugin and colors:
        _add_legend(dot, colors)
    return dot


class RefusedGraph:
    """What ``draw_dot`` gives in a notebook for a graph over ``max_nodes``: shown as the
    reason in the cell, with no traceback; used as a drawing, it raises that reason."""

    def __init__(self, reason: GraphTooLargeError) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"RefusedGraph: {self.reason}"

    def _repr_html_(self) -> str:
        import html

        return (
            '<div class="neurograd-refused-graph"><b>draw_dot: graph not drawn.</b> '
            f"{html.escape(str(self.reason))}</div>"
        )

    def __getattr__(self, name: str) -> Any:
        # IPython looks for other _repr_*_ methods: they are absent, not errors.
        if name.startswith("_"):
            raise AttributeError(name)
        raise GraphTooLargeError(str(self.reason))


def _add_legend(dot: graphviz.Digraph, colors: dict[str | None, str]) -> None:
    """A boxed list of the providers in this graph, each in its colour."""
    import graphviz

    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="op from plugin", style="dashed")
        for i, (provider, color) in enumerate(colors.items()):
            text = UNREGISTERED if provider is None else provider
            legend.node(
                f"legend{i}",
                graphviz.nohtml(escape_label(text)),
                shape="box",
                style="filled",
                fillcolor=color,
            )
