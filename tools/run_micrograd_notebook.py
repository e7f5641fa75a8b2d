"""Run a notebook written for micrograd on Neurograd, with only its import lines changed.

    python tools/run_micrograd_notebook.py path/to/micrograd/trace_graph.ipynb
    python tools/run_micrograd_notebook.py path/to/micrograd_lecture_first_half_roughly.ipynb

micrograd's notebooks are not in its PyPI package, and this project copies no
code, so the tests run a notebook of their own in micrograd's shape
(tests/core/micrograd_style_trace_graph.ipynb); this script runs the real ones
from a checkout. It changes ``from micrograd.engine import Value`` and ``from
micrograd import nn``; the lecture's notebooks write their own ``Value`` instead,
so a top-level ``class Value`` block becomes ``from neurograd_core import Value``
and the code that uses it runs as written. Nothing else changes. Every cell runs
in the notebook's folder; the script exits 1 naming the first cell that raised.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

IMPORTS = {
    "from micrograd.engine import Value": "from neurograd_core import Value",
    "from micrograd import nn": "import neurograd_nn as nn",
    "import micrograd.nn as nn": "import neurograd_nn as nn",
}


def on_neurograd(source: str) -> str:
    """``source`` with micrograd's import lines, and a ``class Value`` block, changed to
    Neurograd's import; no other line."""
    lines: list[str] = []
    in_class = False
    for line in source.split("\n"):
        if in_class and line and not line[0].isspace():
            in_class = False  # the first top-level line after the class
        if line.startswith("class Value"):
            in_class = True
            lines.append("from neurograd_core import Value")
        elif not in_class:
            lines.append(IMPORTS.get(line.strip(), line))
    return "\n".join(lines)


def run(path: Path) -> Any:
    """The notebook at ``path``, executed on Neurograd (raises CellExecutionError)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = on_neurograd(cell.source)
    client = NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return notebook


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    from nbclient.exceptions import CellExecutionError

    try:
        notebook = run(Path(argv[0]))
    except CellExecutionError as err:
        print(f"a cell failed on Neurograd:\n{err}", file=sys.stderr)
        return 1
    cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
    print(f"{argv[0]}: {cells} code cells ran on Neurograd")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
