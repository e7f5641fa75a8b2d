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
from neurograd_viz.chain import DEFAULT_MAX_EDGE_LABELS, ChainRule, Edge, same_number, size
from neurograd_viz.colors import UNREGISTERED, provider_colors
from neurograd_viz.graph import (
    DEFAULT_MAX_NODES,
    GraphTooLargeError,
    check_limit,
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
    return str(rankdir)


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
    show_local_grads: bool = False,
    max_edge_labels: int | None = DEFAULT_MAX_EDGE_LABELS,
) -> graphviz.Digraph:
    """The graph below ``root`` as a ``graphviz.Digraph``.

    Each Value is a record (label | data | grad); each computed Value has an op
    node, labelled with the op's symbol or name, between it and its inputs.
    ``rankdir`` is ``"LR"`` or ``"TB"``. More than ``max_nodes`` Values raise
    ``GraphTooLargeError`` (None: no limit); in a notebook the result is a
    ``RefusedGraph`` instead, which shows the reason in the cell. ``color_by_plugin`` fills each op
    node with the colour of the plugin that registered the op, with a legend.

    ``show_local_grads`` labels each edge from an input into an op with the
    local derivative ∂parent/∂input and the contribution d(root)/d(parent) ×
    local that backward() adds to the input's gradient, recomputed from
    ``root`` (``neurograd_viz.chain``). Past ``max_edge_labels`` edges (None:
    no limit) only the largest contributions are labelled; a caption says how
    many were left out, and which Values' ``.grad`` is not d(root)/d(Value).
    """
    import graphviz

    root = check_root(root, "draw_dot")
    format = _check_format(format)
    rankdir = _check_rankdir(rankdir)
    max_nodes = check_max_nodes(max_nodes, "draw_dot")
    for name, flag in (
        ("color_by_plugin", color_by_plugin),
        ("show_local_grads", show_local_grads),
    ):
        if not isinstance(flag, bool):
            raise TypeError(f"draw_dot(): {name} must be True or False, got {flag!r}")
    max_edge_labels = check_limit(max_edge_labels, "draw_dot", "max_edge_labels")
    try:
        nodes = trace(root, max_nodes, caller="draw_dot")
    except GraphTooLargeError as refusal:
        from neurograd_core.notebook import in_notebook

        if in_notebook():  # the cell says so, without a traceback
            return RefusedGraph(refusal)  # type: ignore[return-value, unused-ignore]
        raise
    edge_labels: dict[tuple[Value, int], str] = {}
    caption: list[str] = []
    if show_local_grads:
        edge_labels, caption = _local_grads(ChainRule(root), max_edge_labels)

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
        for position, child in enumerate(node.children):
            label = edge_labels.get((node, position))
            if label is None:
                dot.edge(ids[child], op_name)
            else:
                dot.edge(ids[child], op_name, label=graphviz.nohtml(escape_label(label)))
    if color_by_plugin and colors:
        _add_legend(dot, colors)
    if caption:
        text = escape_label("\n".join(caption)).replace("\\n", "\\l") + "\\l"
        dot.attr("graph", label=graphviz.nohtml(text), labelloc="b", labeljust="l")
    return dot


def edge_label(edge: Edge) -> str:
    """What an edge shows: its local derivative and what it adds to the input's gradient."""
    return f"local {format_number(edge.local)}\nadds {format_number(edge.contribution)}"


def _local_grads(
    rule: ChainRule, max_edge_labels: int | None
) -> tuple[dict[tuple[Value, int], str], list[str]]:
    """Edge labels by (parent, position), and the caption lines that qualify them."""
    edges = rule.edges()
    caption = []
    if max_edge_labels is not None and len(edges) > max_edge_labels:
        left_out = len(edges) - max_edge_labels
        edges = sorted(edges, key=size, reverse=True)[:max_edge_labels]
        caption.append(
            f"local gradients on the {max_edge_labels} largest contributions; "
            f"{left_out} more edges left out"
        )
    labels = {(edge.parent, edge.position): edge_label(edge) for edge in edges}
    stale = [node for node in rule.nodes if not same_number(node.grad, rule.gradient[node])]
    if stale:
        caption.append(
            f"{len(stale)} of {len(rule.nodes)} Values show a .grad other than "
            "d(root)/d(Value), which the edge labels use: "
            ".grad sums every backward() since it was last set to 0"
        )
    return labels, caption


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
