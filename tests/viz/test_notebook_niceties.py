"""In a real Jupyter kernel: a Value shows as a table, a graph too large for draw_dot says
so without a traceback, and train(live_plot=True) draws one loss plot, updated in place."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

CELLS = {
    "value": """\
from neurograd_core import Value
x = Value(2.0, label="x")
y = x * x
y.backward()
y""",
    "leaf": "x",
    "too_large": """\
from neurograd_viz import draw_dot
big = sum(Value(float(i)) for i in range(600))
draw_dot(big)""",
    "used_anyway": """\
try:
    draw_dot(big).pipe()
except Exception as err:
    print(type(err).__name__)""",
    "small": "draw_dot(y)",
    "count_redraws": """\
import IPython.display
updates = []
_update = IPython.display.DisplayHandle.update


def counted(self, obj, **kwargs):
    updates.append(obj)
    return _update(self, obj, **kwargs)


IPython.display.DisplayHandle.update = counted""",
    "train": """\
import random
from neurograd_nn import MLP
from neurograd_nn.datasets import make_moons
from neurograd_nn.training import demo_optimizer, train
random.seed(0)
X, labels = make_moons(20, noise=0.1, random_state=0)
model = MLP(2, [4, 1])
history = train(model, demo_optimizer(model), None, X.tolist(), (2 * labels - 1).tolist(), 12,
                live_plot=True, plot_every=5)""",
    "redraws": "print(len(updates), len(history))",
}


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("niceties"))}},
    )
    client.execute()  # a cell that raises fails here, with its traceback
    return dict(zip(CELLS, notebook.cells))


def data(cell, mime):
    return [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]


def text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_a_value_shows_its_data_grad_and_op(cells):
    (table,) = data(cells["value"], "text/html")
    assert "<th>data</th><th>grad</th><th>op</th>" in table
    assert "<td><code>4.0</code></td><td><code>1.0</code></td><td><code>mul (*)</code>" in table
    (leaf,) = data(cells["leaf"], "text/html")
    assert "<td><code>x</code></td><td><code>2.0</code></td><td><code>4.0</code></td>" in leaf
    assert "<code>leaf</code>" in leaf


def test_a_graph_too_large_says_so_in_the_cell_without_a_traceback(cells):
    cell = cells["too_large"]
    assert all(o.output_type != "error" for o in cell.outputs)
    (note,) = data(cell, "text/html")
    assert "graph not drawn" in note and "more than 500 Values" in note
    assert "max_nodes=N" in note
    assert text(cells["used_anyway"]) == "GraphTooLargeError\n"


def test_a_small_graph_is_still_drawn(cells):
    (svg,) = data(cells["small"], "image/svg+xml")
    assert "<svg" in svg and "data 4.0000" in svg


def test_training_draws_one_live_loss_plot_updated_every_few_steps(cells):
    import base64

    cell = cells["train"]
    assert all(o.output_type != "error" for o in cell.outputs)
    (png,) = data(cell, "image/png")  # one picture, updated in place
    assert base64.b64decode(png).startswith(PNG_SIGNATURE)
    # redrawn after steps 5 and 10, and once more for the last two steps
    assert text(cells["redraws"]) == "3 12\n"
    # and the progress bar is tqdm's notebook widget, not text on stderr
    assert data(cell, "application/vnd.jupyter.widget-view+json")
    assert "training:" not in text(cell)


def test_refused_graph_outside_a_kernel_raises_and_inside_shows(monkeypatch):
    """draw_dot raises off a notebook; in one it returns the refusal, which raises when used."""
    from neurograd_core import Value, notebook
    from neurograd_viz import GraphTooLargeError, draw_dot

    big = sum(Value(float(i)) for i in range(20))
    with pytest.raises(GraphTooLargeError, match="more than 10 Values"):
        draw_dot(big, max_nodes=10)
    monkeypatch.setattr(notebook, "in_notebook", lambda: True)
    refused = draw_dot(big, max_nodes=10)
    assert "graph not drawn" in refused._repr_html_()
    assert "more than 10 Values" in repr(refused)
    assert not hasattr(refused, "_repr_svg_")  # IPython's probes find nothing else to show
    with pytest.raises(GraphTooLargeError, match="more than 10 Values"):
        refused.render("graph")
