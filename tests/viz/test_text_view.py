"""text_view: the DAG as an indented tree, each shared Value shown once; no graphviz needed."""

from __future__ import annotations

import pytest

from neurograd_core import Op, Value
from neurograd_core.registry import registry
from neurograd_viz import GraphTooLargeError, text_view
from neurograd_viz.text import MAX_INDENT


def test_tree_shows_op_label_data_and_grad_and_references_a_reused_input():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    d = a * b + a
    d.label = "d"
    d.backward()  # d = -4; dd/da = b + 1 = -2, dd/db = a = 2
    assert text_view(d) == "\n".join(
        [
            "[0] + 'd' data -4.0000 grad 1.0000",
            "  [1] * data -6.0000 grad 1.0000",
            "    [2] 'a' data 2.0000 grad -2.0000",
            "    [3] 'b' data -3.0000 grad 2.0000",
            "  [2] (shown above)",
        ]
    )


def test_a_shared_subgraph_is_written_out_once():
    x, w = Value(1.0, label="x"), Value(0.0, label="w")
    hidden = x * w
    y = hidden.tanh() + hidden
    lines = text_view(y).splitlines()
    assert lines == [
        "[0] + data 0.0000 grad 0.0000",
        "  [1] tanh data 0.0000 grad 0.0000",
        "    [2] * data 0.0000 grad 0.0000",
        "      [3] 'x' data 1.0000 grad 0.0000",
        "      [4] 'w' data 0.0000 grad 0.0000",
        "  [2] (shown above)",
    ]


def test_the_same_input_twice_is_listed_twice():
    x = Value(3.0, label="x")
    assert text_view(x * x).splitlines()[1:] == [
        "  [1] 'x' data 3.0000 grad 0.0000",
        "  [1] (shown above)",
    ]


def test_attributes_third_party_names_nan_and_awkward_labels_stay_on_one_line():
    cube = Op(
        "cube", lambda xp, x: x**3, lambda xp, g, out, x: (3 * g * x * x,), symbol="cube\n(3)"
    )
    with registry.isolated():
        registry.register(cube, provider="cubes")
        x = Value(float("nan"), label='two\nlines "q"\t')
        y = (x**2).cube() * float("inf")
    assert text_view(y).splitlines() == [
        "[0] * data nan grad 0.0000",
        "  [1] cube\\n(3) data nan grad 0.0000",
        "    [2] **2 data nan grad 0.0000",
        "      [3] 'two\\nlines \"q\"\\t' data nan grad 0.0000",
        "  [4] data inf grad 0.0000",
    ]


def test_a_very_deep_graph_needs_no_recursion_and_stops_indenting():
    depth = 100_000
    x = Value(0.5)
    for _ in range(depth - 1):
        x = -x  # the root is 0.5 * (-1) ** (depth - 1) = -0.5
    lines = text_view(x).splitlines()
    assert len(lines) == depth
    assert lines[0] == "[0] - data -0.5000 grad 0.0000"
    assert lines[MAX_INDENT] == "  " * MAX_INDENT + f"[{MAX_INDENT}] - data -0.5000 grad 0.0000"
    assert lines[MAX_INDENT + 1] == "  " * MAX_INDENT + (
        f"(depth {MAX_INDENT + 1}) [{MAX_INDENT + 1}] - data 0.5000 grad 0.0000"
    )
    last = depth - 1
    assert lines[-1] == "  " * MAX_INDENT + f"(depth {last}) [{last}] data 0.5000 grad 0.0000"


def test_max_nodes_refuses_a_larger_graph_before_writing_anything():
    a, b = Value(1.0), Value(2.0)
    y = a * b  # three Values
    assert text_view(y, max_nodes=3).count("\n") == 2
    how_to_raise = r"text_view\(\.\.\., max_nodes=N\)"
    with pytest.raises(GraphTooLargeError, match=r"more than 2 Values.*" + how_to_raise):
        text_view(y, max_nodes=2)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((None,), TypeError, r"text_view\(\) takes a neurograd Value as root, got NoneType"),
        ((2.0,), TypeError, "got float"),
        (([Value(1.0)],), TypeError, "one at a time"),
        ((Value(1.0), 0), ValueError, "max_nodes must be a positive int or None.*got 0"),
        ((Value(1.0), 1.5), TypeError, "max_nodes must be a positive int or None.*float 1.5"),
        ((Value(1.0), False), TypeError, "bool False"),
    ],
)
def test_bad_arguments_are_named(args, error, message):
    with pytest.raises(error, match=message):
        text_view(*args)
