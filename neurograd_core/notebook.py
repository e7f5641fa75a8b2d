"""What Neurograd does differently in a Jupyter notebook: how a Value looks in a cell.

Nothing here runs unless a notebook asks (IPython calls ``Value._repr_html_``
when a cell's result is a Value); IPython itself is never imported here.
"""

from __future__ import annotations

import html
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neurograd_core.value import Value


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel: the question tqdm.auto asks too."""
    ipython = sys.modules.get("IPython")
    if ipython is None:  # a kernel has imported IPython long before any cell runs
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def value_html(value: Value) -> str:
    """A Value as a one-row table: label, data, grad and the op that made it (or leaf)."""
    op = value.op
    if op is None:
        made_by = "leaf"
    elif op.label == op.name:
        made_by = op.name
    else:
        made_by = f"{op.name} ({op.label})"
    cells = {
        "label": str(value.label),
        "data": repr(value.data),
        "grad": repr(value.grad),
        "op": made_by,
    }
    head = "".join(f"<th>{name}</th>" for name in cells)
    row = "".join(f"<td><code>{html.escape(text)}</code></td>" for text in cells.values())
    return (
        '<table class="neurograd-value"><caption>Value</caption>'
        f"<thead><tr>{head}</tr></thead><tbody><tr>{row}</tr></tbody></table>"
    )
