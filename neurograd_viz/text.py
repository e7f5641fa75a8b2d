"""``text_view``: the graph as an indented tree of text, for terminals and tests.

    [0] tanh 'o' data 0.7071 grad 1.0000
      [1] + data 0.8814 grad 0.5000
        [2] 'x1' data 2.0000 grad -1.5000
        ...

Each line is one Value: a number in brackets, its op (leaves have none), its
label in quotes when it has one, its data and grad. Inputs are indented under
the Value computed from them. The graph is a DAG, so a Value used twice is
shown in full once and afterwards as ``[n] (shown above)``. Past
``MAX_INDENT`` levels the indent stops growing and lines start with their
depth instead, so a very deep graph stays readable and linear in size.
"""

from __future__ import annotations

from neurograd_core.value import Value
from neurograd_viz.graph import check_max_nodes, check_root, trace
from neurograd_viz.labels import format_number, one_line

MAX_INDENT = 32
INDENT = "  "


def _describe(number: int, value: Value) -> str:
    parts = [f"[{number}]"]
    if value.op is not None:
        parts.append(one_line(value.op.label))
    if value.label:
        parts.append(repr(str(value.label)))
    parts.append(f"data {format_number(value.data)} grad {format_number(value.grad)}")
    return " ".join(parts)


def _indent(depth: int) -> str:
    if depth <= MAX_INDENT:
        return INDENT * depth
    return INDENT * MAX_INDENT + f"(depth {depth}) "


def text_view(root: Value, max_nodes: int | None = None) -> str:
    """The graph below ``root`` as an indented tree, one Value per line.

    ``max_nodes`` (None: no limit) refuses graphs with more Values, with
    ``GraphTooLargeError``, before any text is built.
    """
    root = check_root(root, "text_view")
    max_nodes = check_max_nodes(max_nodes, "text_view")
    if max_nodes is not None:
        trace(root, max_nodes, caller="text_view")

    numbers: dict[Value, int] = {}
    lines = []
    stack = [(root, 0)]
    while stack:
        value, depth = stack.pop()
        if value in numbers:
            lines.append(f"{_indent(depth)}[{numbers[value]}] (shown above)")
            continue
        numbers[value] = len(numbers)
        lines.append(_indent(depth) + _describe(numbers[value], value))
        stack.extend((child, depth + 1) for child in reversed(value.children))
    return "\n".join(lines)
