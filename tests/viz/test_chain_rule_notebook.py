"""notebooks/chain_rule.ipynb runs top to bottom in a real kernel and shows the chain rule."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "chain_rule.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after running it in a python3 kernel, in a tmp working directory."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("chain_rule"))}},
    )
    client.execute()
    return notebook


def _cell(notebook, tag: str):
    (cell,) = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
    return cell


def _printed(notebook, tag: str) -> list[str]:
    (output,) = _cell(notebook, tag).outputs
    assert output["name"] == "stdout"
    return output["text"].splitlines()


def test_the_stored_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_the_graph_shows_local_derivatives_and_contributions(executed, parse_svg):
    mime = "image/svg+xml"
    (svg,) = [o["data"][mime] for o in _cell(executed, "graph").outputs if mime in o["data"]]
    shown = parse_svg(svg.encode())
    record = {label: shown.only_node_showing(label) for label in "abedL"}
    op_making = {
        label: next(tail for tail, head in shown.edges if head == record[label]) for label in "edL"
    }
    label_of = {node: label for label, node in record.items()}
    making = {op: label for label, op in op_making.items()}
    labels = {
        (label_of[tail], making[head]): texts
        for (tail, head), texts in zip(shown.edges, shown.edge_texts)
        if head in making  # an edge from an input into an op
    }
    # e = a*b, d = e + a, L = d*b at a=2, b=-3: dL/dd = dL/de = b = -3, dL/dL = 1
    assert labels == {
        ("a", "e"): ["local -3.0000", "adds 9.0000"],
        ("b", "e"): ["local 2.0000", "adds -6.0000"],
        ("e", "d"): ["local 1.0000", "adds -3.0000"],
        ("a", "d"): ["local 1.0000", "adds -3.0000"],
        ("d", "L"): ["local -3.0000", "adds -3.0000"],
        ("b", "L"): ["local -4.0000", "adds -4.0000"],
    }
    assert shown.texts[record["a"]] == ["a", "data 2.0000", "grad 6.0000"]
    assert shown.texts[record["b"]] == ["b", "data -3.0000", "grad -10.0000"]


def test_explain_sums_the_two_edges_of_a_and_of_b(executed):
    a = _printed(executed, "explain-a")
    assert [line.split()[-1] for line in a[2:5]] == ["-3.0000", "9.0000", "6.0000"]
    assert a[-1] == "a.grad = 6.0000, equal to dL/da."
    b = _printed(executed, "explain-b")
    assert [line.split()[-1] for line in b[2:5]] == ["-4.0000", "-6.0000", "-10.0000"]
    assert b[-1] == "b.grad = -10.0000, equal to dL/db."


def test_x_times_x_is_two_edges_adding_to_2x(executed):
    lines = _printed(executed, "square")
    assert lines[2].endswith("1 of 2      1.0000      3.0000        3.0000")
    assert lines[3].endswith("2 of 2      1.0000      3.0000        3.0000")
    assert lines[-1] == "x.grad = 6.0000, equal to dy/dx."


def test_accumulation_is_explained_and_zeroing_fixes_it(executed):
    lines = _printed(executed, "accumulated")
    assert lines[4].split()[-1] == "6.0000"
    assert lines[5].startswith("a.grad = 12.0000, not dL/da")
    assert _printed(executed, "zeroed") == ["6.0"]


def test_many_edges_show_the_largest_and_count_the_rest(executed):
    lines = _printed(executed, "many")
    assert lines[0].endswith("over the 30 edges out of w")
    assert [line.split()[-1] for line in lines[3:8]] == [f"{k}.0000" for k in (30, 29, 28, 27, 26)]
    assert lines[8].split()[:5] == ["25", "more", "edges", "left", "out"]
    assert lines[8].split()[-1] == "325.0000"  # 1 + 2 + ... + 25
    assert lines[9].split()[-1] == "465.0000"  # 1 + 2 + ... + 30
