"""Walking a graph for drawing: the Values below a root, found without recursion.

Graphs can be a million nodes deep, so every walk here uses an explicit stack.
The walk stops as soon as it passes ``max_nodes``: a graph too large to draw is
refused before any picture is built, however large it is.
"""

from __future__ import annotations

from typing import Any

from neurograd_core.errors import NeurogradError
from neurograd_core.value import Value

DEFAULT_MAX_NODES = 500
"""Values ``draw_dot`` draws by default: beyond a few hundred a picture is no longer readable,
and dot's layout time grows faster than the graph."""


class GraphTooLargeError(NeurogradError, ValueError):
    """The graph has more Values than the caller's ``max_nodes`` allows."""


def _type_name(thing: Any) -> str:
    kind = type(thing)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def check_root(root: Any, caller: str) -> Value:
    """``root`` itself if it is a Value, else a ``TypeError`` saying what it was."""
    if isinstance(root, Value):
        return root
    hint = ""
    if isinstance(root, (list, tuple)):
        hint = " (for several outputs, pass one at a time or combine them, e.g. with sum())"
    raise TypeError(f"{caller}() takes a neurograd Value as root, got {_type_name(root)}{hint}")


def check_limit(limit: Any, caller: str, name: str) -> int | None:
    """``limit`` if it is None (no limit) or a positive int, else an error naming ``name``."""
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise TypeError(
            f"{caller}(): {name} must be a positive int or None (no limit), "
            f"got {_type_name(limit)} {limit!r}"
        )
    if limit < 1:
        raise ValueError(
            f"{caller}(): {name} must be a positive int or None (no limit), got {limit}"
        )
    return limit


def check_max_nodes(max_nodes: Any, caller: str) -> int | None:
    """``max_nodes`` if it is None or a positive int, else a clear error."""
    return check_limit(max_nodes, caller, "max_nodes")


def trace(root: Value, max_nodes: int | None = None, caller: str = "trace") -> list[Value]:
    """Every Value in the graph of ``root`` once: root first, then in the order found.

    Raises ``GraphTooLargeError`` as soon as more than ``max_nodes`` Values are
    found; None means no limit.
    """
    seen = {root}
    order = [root]
    stack = [root]
    while stack:
        for child in stack.pop().children:
            if child in seen:
                continue
            if max_nodes is not None and len(order) >= max_nodes:
                raise GraphTooLargeError(
                    f"{caller}(): the graph has more than {max_nodes} Values, too many to "
                    f"draw usefully. Raise the limit with {caller}(..., max_nodes=N) for a "
                    f"larger N, or max_nodes=None for no limit, or draw a smaller part "
                    f"of the graph."
                )
            seen.add(child)
            order.append(child)
            stack.append(child)
    return order
