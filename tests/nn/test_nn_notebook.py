"""notebooks/demo.ipynb runs top to bottom in a fresh kernel and prints micrograd's numbers."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "demo.ipynb"


def stream_text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_demo_notebook_runs_and_reproduces_micrograds_demo(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the traceback, if any cell fails

    texts = [stream_text(cell) for cell in notebook.cells if cell.cell_type == "code"]
    training = next(text for text in texts if text.startswith("step 0 "))
    lines = training.splitlines()
    assert len(lines) == 100
    assert lines[0] == "step 0 loss 0.8958441028683222, accuracy 50.0%"
    assert lines[-1].startswith("step 99 loss ") and lines[-1].endswith("accuracy 100.0%")
    assert any("number of parameters 337" in text for text in texts)
    assert any(text.startswith("MLP of [Layer of [ReLUNeuron(2)") for text in texts)

    pictures = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert len(pictures) == 2  # the data, and the decision boundary
