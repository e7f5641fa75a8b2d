"""notebooks/trace_graph.ipynb runs top to bottom in a real kernel and shows the right graphs."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "trace_graph.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after running it in a python3 kernel; its working directory is a tmp dir."""
    workdir = tmp_path_factory.mktemp("trace_graph")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook, workdir


def _cell(notebook, tag: str):
    (cell,) = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
    return cell


def _svg(cell, parse_svg):
    mime = "image/svg+xml"
    (svg,) = [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]
    return parse_svg(svg.encode())


def test_the_stored_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_the_expression_is_drawn_with_its_gradients(executed, parse_svg):
    shown = _svg(_cell(executed[0], "expression"), parse_svg)
    # y = relu(1*2 + 1) = 3, dy/dx = 2
    assert shown.texts[shown.only_node_showing("y")] == ["y", "data 3.0000", "grad 1.0000"]
    assert shown.texts[shown.only_node_showing("x")] == ["x", "data 1.0000", "grad 2.0000"]
    assert Counter(t[0] for t in shown.texts.values() if len(t) == 1) == {"*": 1, "+": 1, "ReLU": 1}


def test_the_text_view_is_printed(executed):
    (output,) = _cell(executed[0], "text").outputs
    assert output["text"].splitlines() == [
        "[0] ReLU 'y' data 3.0000 grad 1.0000",
        "  [1] + data 3.0000 grad 1.0000",
        "    [2] * data 2.0000 grad 1.0000",
        "      [3] 'x' data 1.0000 grad 2.0000",
        "      [4] data 2.0000 grad 1.0000",  # the constant 2; its gradient is x
        "    [5] data 1.0000 grad 1.0000",
    ]


def _seeded_weights() -> tuple[float, float]:
    """The notebook's weights, drawn independently: Neuron draws random.uniform(-1, 1) per input."""
    state = random.getstate()
    try:
        random.seed(4)
        return random.uniform(-1, 1), random.uniform(-1, 1)
    finally:
        random.setstate(state)


def test_the_neuron_is_drawn_with_data_and_gradients(executed, parse_svg):
    shown = _svg(_cell(executed[0], "neuron"), parse_svg)
    w1, w2 = _seeded_weights()
    out = max(0.0, w1 * 1.0 + w2 * -2.0)  # bias starts at 0
    assert out > 0  # so every gradient below is non-zero
    assert shown.texts[shown.only_node_showing("w1")] == ["w1", f"data {w1:.4f}", "grad 1.0000"]
    assert shown.texts[shown.only_node_showing("w2")] == ["w2", f"data {w2:.4f}", "grad -2.0000"]
    assert shown.texts[shown.only_node_showing("b")] == ["b", "data 0.0000", "grad 1.0000"]
    assert [f"data {out:.4f}", "grad 1.0000"] in shown.texts.values()
    assert ["data -2.0000", f"grad {w2:.4f}"] in shown.texts.values()
    ops = Counter(t[0] for t in shown.texts.values() if len(t) == 1)
    assert ops == {"*": 2, "+": 2, "ReLU": 1}
    assert len(shown.texts) == 10 + 5


def test_the_coloured_view_has_a_legend(executed, parse_svg):
    shown = _svg(_cell(executed[0], "colored"), parse_svg)
    legend = {shown.texts[n][0] for n in shown.texts if n.startswith("legend")}
    assert legend == {"arithmetic", "activations"}


def test_the_picture_is_saved(executed, parse_svg):
    notebook, workdir = executed
    (result,) = _cell(notebook, "render").outputs
    assert result["data"]["text/plain"] == "'gout.svg'"
    assert len(parse_svg((workdir / "gout.svg").read_bytes()).texts) == 15
    assert not (workdir / "gout").exists()  # cleanup=True removed the dot source
