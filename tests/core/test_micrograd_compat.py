"""Code written for micrograd runs on Neurograd: ``_prev``, ``_op``, ``_backward()``,
attributes set by user code, and a clear error for micrograd's way of making a node.

Gradients are checked against central finite differences, and ``_op`` strings
against the micrograd 0.1.0 package where micrograd has the op.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from pathlib import Path

import graphviz
import micrograd.engine
import nbformat
import pytest
from nbclient import NotebookClient

import neurograd_nn as nn
from neurograd_core import (
    AnomalyError,
    BackwardError,
    Op,
    Value,
    detect_anomaly,
    register_op,
    registry,
)

NOTEBOOK = Path(__file__).with_name("micrograd_style_trace_graph.ipynb")


def numeric_gradients(f, xs: list[float], h: float = 1e-6) -> list[float]:
    """Central differences of ``f`` (floats in, a float out) at ``xs``."""
    grads = []
    for i, x in enumerate(xs):
        step = h * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[i], down[i] = x + step, x - step
        grads.append((f(*up) - f(*down)) / (2 * step))
    return grads


def inputs_last(root: Value) -> list[Value]:
    """Every value below ``root``, each before its inputs, found through ``_prev`` only
    (a depth-first post-order, reversed: what a micrograd user writes by hand)."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack = [(root, False)]
    while stack:
        v, inputs_done = stack.pop()
        if inputs_done:
            order.append(v)
        elif v not in seen:
            seen.add(v)
            stack.append((v, True))
            stack.extend((child, False) for child in v._prev)
    return order[::-1]


# --- _prev ------------------------------------------------------------------------------


def test_prev_is_the_set_of_inputs():
    a, b = Value(2.0), Value(3.0)
    assert Value(1.0)._prev == set()
    assert (a * b)._prev == {a, b}
    assert (a * a)._prev == {a}  # micrograd's set: an input used twice is there once
    assert (a * a).children == (a, a)
    assert type((a + 1)._prev) is set
    with pytest.raises(AttributeError):
        (a * b)._prev = set()


def test_prev_holds_every_input_of_an_op_of_many():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    assert a.sum(b, c)._prev == {a, b, c}


# --- _op --------------------------------------------------------------------------------

OP_STRINGS = [
    (lambda x: x + 2.0, "+"),
    (lambda x: 2.0 + x, "+"),
    (lambda x: x * 3.0, "*"),
    (lambda x: x**2, "**2"),
    (lambda x: x**-1, "**-1"),
    (lambda x: x**0.5, "**0.5"),
    (lambda x: x**2.0, "**2.0"),
    (lambda x: x.relu(), "ReLU"),
]


@pytest.mark.parametrize(("build", "expected"), OP_STRINGS, ids=[e for _, e in OP_STRINGS])
def test_op_strings_are_micrograds(build, expected):
    assert build(Value(1.5))._op == expected
    assert build(micrograd.engine.Value(1.5))._op == expected  # the real package


def test_x_squared_is_labelled_as_written_after_x_to_the_float_two():
    x = Value(3.0)
    assert (x**2.0)._op == "**2.0"
    assert (x**2)._op == "**2"  # 2 == 2.0: the two must not share one labelled op
    assert (x**2.0)._op == "**2.0"
    assert (x**2).op.attrs == {"exponent": 2} and type((x**2).op.attrs["exponent"]) is int


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda x: x.tanh(), "tanh"),  # the lecture's Value has tanh and exp
        (lambda x: x.exp(), "exp"),
        (lambda x: x - 1.0, "-"),  # the rest: the label draw_dot shows
        (lambda x: x / 2.0, "/"),
        (lambda x: -x, "-"),
        (lambda x: x.sigmoid(), "sigmoid"),
        (lambda x: 2.0**x, "**"),
        (lambda x: x.sum(x, x), "sum"),
    ],
)
def test_op_strings_of_other_ops(build, expected):
    assert build(Value(0.5))._op == expected


def test_a_leaf_has_the_empty_op_string():
    assert Value(1.0)._op == ""
    assert Value(1.0, label="a")._op == ""


def test_op_string_of_a_plugin_op_is_its_symbol_else_its_name():
    with registry.isolated():
        register_op(Op("cube", lambda xp, x: x * x * x, lambda xp, g, out, x: (3 * x * x * g,)))
        register_op(
            Op(
                "scale",
                lambda xp, x, *, by: by * x,
                lambda xp, g, out, x, *, by: (by * g,),
                symbol="×{by}",
            )
        )
        assert Value(2.0).cube()._op == "cube"
        assert Value(2.0).scale(by=3)._op == "×3"


def test_op_string_is_what_draw_dot_shows():
    from neurograd_viz import draw_dot

    x = Value(0.5)
    y = ((x * 2.0) ** 3 + x.tanh()).relu()
    ops = [v._op for v in inputs_last(y) if v._op]
    source = draw_dot(y).source
    shown = re.findall(r'^\s*v\d+op \[label="?(.*?)"?\]$', source, re.M)
    assert sorted(shown) == sorted(ops) == sorted(["*", "**3", "tanh", "+", "ReLU"])


def test_op_cannot_be_set():
    with pytest.raises(AttributeError):
        Value(1.0)._op = "+"


# --- _backward() ------------------------------------------------------------------------

# (what, function of Values, inputs): one node of each kind
NODES = [
    ("add", lambda a, b: a + b, [1.5, -2.0]),
    ("mul", lambda a, b: a * b, [1.5, -2.0]),
    ("sub", lambda a, b: a - b, [1.5, -2.0]),
    ("div", lambda a, b: a / b, [1.5, -2.0]),
    ("pow, an attribute", lambda a: a**3, [1.5]),
    ("pow, negative", lambda a: a**-1, [1.5]),
    ("Value ** Value", lambda a, b: a**b, [1.5, 0.7]),
    ("relu", lambda a: a.relu(), [0.8]),
    ("relu, negative", lambda a: a.relu(), [-0.8]),
    ("tanh", lambda a: a.tanh(), [0.8813735870195432]),
    ("exp", lambda a: a.exp(), [0.3]),
    ("neg", lambda a: -a, [0.3]),
    ("clamp, keyword attributes", lambda a: a.clamp(min=-1.0, max=1.0), [0.3]),
    ("sum of three", lambda a, b, c: a.sum(b, c), [0.3, -1.0, 2.0]),
    ("dot of five", lambda w1, x1, w2, x2, b: w1.dot(x1, w2, x2, b), [0.3, -1.0, 2.0, 0.5, 0.1]),
]


def _node(build, xs):
    leaves = [Value(x) for x in xs]
    return leaves, build(*leaves)


@pytest.mark.parametrize(("what", "build", "xs"), NODES, ids=[n[0] for n in NODES])
def test_backward_of_one_node_adds_upstream_times_local_gradients(what, build, xs):
    upstream = 0.75
    leaves, out = _node(build, xs)
    out.grad = upstream
    out._backward()
    by_hand = [leaf.grad for leaf in leaves]

    def f(*floats):
        return build(*[Value(x) for x in floats]).data

    expected = [upstream * g for g in numeric_gradients(f, xs)]
    assert by_hand == pytest.approx(expected, rel=1e-6, abs=1e-9)
    fresh, root = _node(build, xs)
    root.backward(upstream)
    assert by_hand == [leaf.grad for leaf in fresh]  # the same op backward, bit for bit
    assert out.grad == upstream  # _backward passes the gradient on, and keeps it


def test_backward_adds_to_the_gradients_already_there():
    a, b = Value(2.0), Value(-3.0)
    a.grad, b.grad = 0.5, 0.25
    out = a * b
    out.grad = 2.0
    out._backward()
    assert (a.grad, b.grad) == (0.5 + 2.0 * -3.0, 0.25 + 2.0 * 2.0)
    out._backward()  # micrograd's _backward accumulates too
    assert (a.grad, b.grad) == (0.5 - 12.0, 0.25 + 8.0)


def test_an_input_used_twice_gets_both_contributions():
    x = Value(3.0)
    y = x * x
    y.grad = 1.0
    y._backward()
    assert x.grad == 6.0  # d(x²)/dx, by hand


def test_backward_of_a_leaf_does_nothing():
    x = Value(3.0)
    x.grad = 2.0
    assert x._backward() is None
    assert x.grad == 2.0


def test_backward_of_a_plugin_op():
    with registry.isolated():
        register_op(Op("cube", lambda xp, x: x * x * x, lambda xp, g, out, x: (3 * x * x * g,)))
        x = Value(2.0)
        y = x.cube()
        y.grad = 0.5
        y._backward()
        assert x.grad == 0.5 * 12.0  # 3x², by hand


def _add_then_fail(xp, grad, out, a, b):
    raise RuntimeError("no gradient today")


def test_a_failing_op_backward_names_the_op_and_changes_no_gradient():
    with registry.isolated():
        register_op(Op("flaky", lambda xp, a, b: a + b, _add_then_fail))
        a, b = Value(1.0), Value(2.0)
        out = a.flaky(b)
        out.grad = 1.0
        with pytest.raises(BackwardError, match="'flaky'.*no gradient today"):
            out._backward()
        assert (a.grad, b.grad) == (0.0, 0.0)


def test_wrong_number_of_gradients_is_named():
    with registry.isolated():
        register_op(Op("half", lambda xp, a, b: a + b, lambda xp, g, out, a, b: (g,)))
        out = Value(1.0).half(Value(2.0))
        out.grad = 1.0
        with pytest.raises(BackwardError, match=r"'half' \(.*\) returned 1 gradients for 2 inputs"):
            out._backward()


def test_detect_anomaly_applies_to_one_node_too():
    x = Value(0.0)
    y = x.sqrt()
    y.grad = 1.0
    with detect_anomaly(), pytest.raises(AnomalyError, match="'sqrt'"):
        y._backward()
    assert x.grad == 0.0


# --- the constructor --------------------------------------------------------------------


@pytest.mark.parametrize("op", ["tanh", "+", ""])
def test_an_op_string_in_the_constructor_is_refused_saying_how_to_add_an_op(op):
    a = Value(0.5)
    with pytest.raises(TypeError, match="Neurograd makes nodes with ops") as info:
        Value(math.tanh(0.5), (a,), op)
    assert "register_op(Op(" in str(info.value)


def test_the_constructor_takes_data_children_op_and_label():
    x = Value(2.0, label="x")
    assert (x.data, x.grad, x.label, x.op, x.children) == (2.0, 0.0, "x", None, ())
    y = x * 3.0
    z = Value(y.data, (x, y.children[1]), y.op, "z")
    assert (z._op, z._prev, z.label) == ("*", {x, y.children[1]}, "z")


# --- the micrograd-from-scratch lecture, by hand ----------------------------------------


def _lecture_expression(a: float, b: float, c: float, f: float) -> float:
    return (a * b + c) * f


def test_the_lectures_expression_backpropagated_node_by_node():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    assert L.data == -8.0
    L.grad = 1.0
    order = inputs_last(L)
    assert order[0] is L and {v.label for v in order} == set("abcdefL")
    for v in order:
        v._backward()
    expected = numeric_gradients(_lecture_expression, [2.0, -3.0, 10.0, -2.0])
    assert [a.grad, b.grad, c.grad, f.grad] == pytest.approx(expected, rel=1e-6)
    assert (d.grad, e.grad) == (-2.0, -2.0)  # dL/dd = f, dL/de = dL/dd


def _neuron(x1: float, x2: float, w1: float, w2: float, b: float) -> float:
    return math.tanh(x1 * w1 + x2 * w2 + b)


LECTURE_NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def _lecture_neuron():
    x1, x2, w1, w2, b = (Value(v, label=k) for k, v in LECTURE_NEURON.items())
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return (x1, x2, w1, w2, b), (x1w1, x2w2, x1w1x2w2, n, o)


def test_the_lectures_neuron_backpropagated_by_hand():
    leaves, (x1w1, x2w2, x1w1x2w2, n, o) = _lecture_neuron()
    x1, x2, w1, w2, b = leaves
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(0.5, rel=1e-12)  # 1 - tanh² = 1 - 0.5
    n._backward()
    b._backward()  # a leaf: nothing to do
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    expected = numeric_gradients(_neuron, list(LECTURE_NEURON.values()))
    grads = [v.grad for v in leaves]
    assert grads == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert grads == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5], abs=1e-12)  # the lecture's


def test_the_lectures_neuron_with_backward():
    leaves, (*_, o) = _lecture_neuron()
    o.backward()
    expected = numeric_gradients(_neuron, list(LECTURE_NEURON.values()))
    assert [v.grad for v in leaves] == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_backward_node_by_node_equals_backward_on_an_mlp():
    random.seed(3)
    model = nn.MLP(3, [4, 4, 1])
    x = [Value(0.5), Value(-1.25), Value(2.0)]
    out = model(x)
    loss = (out - 1.0) ** 2
    loss.grad = 1.0
    for v in inputs_last(loss):
        v._backward()
    by_hand = [p.grad for p in model.parameters()] + [v.grad for v in x]
    model.zero_grad()
    for v in x:
        v.grad = 0.0
    loss.backward()
    assert by_hand == pytest.approx([p.grad for p in model.parameters()] + [v.grad for v in x])
    assert any(g != 0.0 for g in by_hand)


# --- attributes set by user code --------------------------------------------------------


def test_values_take_attributes_of_their_own():
    p = Value(1.0)
    p.m = 0.0
    p.v = 0.0
    p.color = "red"
    assert (p.m, p.v, p.color) == (0.0, 0.0, "red")
    assert vars(p) == {"m": 0.0, "v": 0.0, "color": "red"}
    assert not hasattr(Value(1.0), "m")
    y = p * 2.0
    y.backward()
    assert (y.data, p.grad) == (2.0, 2.0)  # attributes change nothing in the engine


class HandWrittenAdam:
    """Adam as a micrograd user writes it: the moments live on the parameters."""

    def __init__(self, params, lr=0.05, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        for p in params:
            p.m = 0.0
            p.v = 0.0

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for p in self.params:
            p.m = b1 * p.m + (1 - b1) * p.grad
            p.v = b2 * p.v + (1 - b2) * p.grad**2
            m_hat = p.m / (1 - b1**self.t)
            v_hat = p.v / (1 - b2**self.t)
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


def test_an_adam_keeping_its_moments_on_the_parameters_trains_an_mlp():
    random.seed(0)
    model = nn.MLP(2, [8, 1])
    xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    ys = [0.0, 1.0, 1.0, 0.0]  # xor
    adam = HandWrittenAdam(model.parameters())

    def loss_now():
        outs = [model([Value(a), Value(b)]) for a, b in xs]
        return sum(((o - y) ** 2 for o, y in zip(outs, ys)), Value(0.0)) * 0.25

    losses = []
    for _ in range(60):
        loss = loss_now()
        model.zero_grad()
        loss.backward()
        adam.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]
    assert all(type(p.m) is float and p.v >= 0.0 for p in model.parameters())


def test_a_visualiser_colours_nodes_through_an_attribute():
    x = Value(-1.0, label="x")
    y = (x * -3.0 + 1.0).relu()
    y.backward()
    nodes = inputs_last(y)
    for v in nodes:
        v.color = "salmon" if v.grad < 0 else "lightblue"
    graph = graphviz.Digraph()
    for v in nodes:
        graph.node(str(id(v)), f"{v._op or 'leaf'} {v.data:.2f}", style="filled", fillcolor=v.color)
        for child in v._prev:
            graph.edge(str(id(child)), str(id(v)))
    # by hand: dy/dx = -3 and dy/d(-3) = x = -1; the other four gradients are 1
    assert (x.color, x.grad) == ("salmon", -3.0)
    assert graph.source.count("fillcolor=salmon") == 2
    assert graph.source.count("fillcolor=lightblue") == 4


# --- micrograd's trace_graph notebook, written against _prev and _op -----------------------

RECORD = re.compile(r'^\t(\d+) \[label="\{ data (\S+) \| grad (\S+) \}" shape=record\]$')
OP_NODE = re.compile(r'^\t"(\d+)(\D.*)" \[label="?(.*?)"?\]$')
EDGE = re.compile(r"^\t(\S+) -> (\S+)$")


def _dot_parts(source: str):
    records, ops, edges = {}, {}, []
    for line in source.splitlines():
        if m := RECORD.match(line):
            records[m[1]] = (m[2], m[3])
        elif m := OP_NODE.match(line):
            assert m[2] == m[3], line  # the op node is named after the value and its _op
            ops[m[1]] = m[3]
        elif m := EDGE.match(line):
            edges.append((m[1].strip('"'), m[2].strip('"')))
    return records, ops, edges


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    workdir = tmp_path_factory.mktemp("micrograd_style")
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return notebook


def _cell(notebook, tag):
    (cell,) = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
    return cell


def _printed(notebook, tag) -> str:
    (output,) = _cell(notebook, tag).outputs
    return output["text"]


def test_the_notebook_is_stored_without_outputs_and_imports_neurograd():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    imports = _cell(notebook, "imports").source
    assert "from neurograd_core import Value" in imports and "import neurograd_nn as nn" in imports
    drawing = _cell(notebook, "drawing").source
    assert "neurograd" not in drawing and "._prev" in drawing and "._op" in drawing


def _check_graph(source, expected_records, expected_ops, n_inputs):
    records, ops, edges = _dot_parts(source)
    assert sorted(records.values()) == sorted(expected_records)
    assert Counter(ops.values()) == expected_ops
    assert set(ops) <= set(records)
    op_nodes = {value + op for value, op in ops.items()}
    into_values = [(a, b) for a, b in edges if a in op_nodes]
    into_ops = [(a, b) for a, b in edges if b in op_nodes]
    assert len(into_values) == len(ops) and len(into_ops) == n_inputs
    assert len(edges) == len(ops) + n_inputs  # each op: one edge out, one in per input


def test_the_notebook_draws_the_expression(executed_notebook):
    shown = _cell(executed_notebook, "expression").outputs
    assert any("image/svg+xml" in o.get("data", {}) for o in shown)
    source = _printed(executed_notebook, "expression-source")
    # y = relu(x * 2 + 1) at x = 1: values x, 2, x*2, 1, x*2+1, y; dy/dx = 2 by hand
    expected = [
        ("1.0000", "2.0000"),  # x
        ("2.0000", "1.0000"),  # the constant 2
        ("2.0000", "1.0000"),  # x * 2
        ("1.0000", "1.0000"),  # the constant 1
        ("3.0000", "1.0000"),  # x * 2 + 1
        ("3.0000", "1.0000"),  # y
    ]
    _check_graph(source, expected, {"*": 1, "+": 1, "ReLU": 1}, n_inputs=5)


def test_the_notebook_draws_a_neuron(executed_notebook):
    shown = _cell(executed_notebook, "neuron").outputs
    assert any("image/svg+xml" in o.get("data", {}) for o in shown)
    source = _printed(executed_notebook, "neuron-source")
    state = random.getstate()
    random.seed(1337)  # the notebook's seed; Neuron(2) draws one uniform(-1, 1) per weight
    w1, w2 = random.uniform(-1, 1), random.uniform(-1, 1)
    random.setstate(state)
    x1, x2, b = 1.0, -2.0, 0.0
    out = w1 * x1 + w2 * x2 + b
    assert out > 0  # relu passes the gradient: every one below is d(out)/d(value)
    expected = [
        (x1, w1),
        (x2, w2),
        (w1, x1),
        (w2, x2),
        (b, 1.0),
        (w1 * x1, 1.0),
        (b + w1 * x1, 1.0),
        (w2 * x2, 1.0),
        (out, 1.0),
        (out, 1.0),
    ]
    formatted = [(f"{d:.4f}", f"{g:.4f}") for d, g in expected]
    _check_graph(source, formatted, {"*": 2, "+": 2, "ReLU": 1}, n_inputs=9)


# --- tools/run_micrograd_notebook.py: micrograd's own notebooks, from a checkout ----------


def _runner():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "tools" / "run_micrograd_notebook.py"
    spec = importlib.util.spec_from_file_location("run_micrograd_notebook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_runner_changes_micrograds_import_lines_and_nothing_else():
    runner = _runner()
    source = (
        "# micrograd, as its notebooks start\n"
        "from micrograd.engine import Value\n"
        "from micrograd import nn\n"
        "x = Value(1.0)  # from micrograd.engine import Value, in a comment"
    )
    assert runner.on_neurograd(source).split("\n") == [
        "# micrograd, as its notebooks start",
        "from neurograd_core import Value",
        "import neurograd_nn as nn",
        "x = Value(1.0)  # from micrograd.engine import Value, in a comment",
    ]


def test_the_runner_replaces_a_lectures_own_value_class_and_keeps_the_code_after_it():
    runner = _runner()
    source = (
        "class Value:\n"
        "  def __init__(self, data):\n"
        "    self.data = data\n"
        "\n"
        "  def __repr__(self):\n"
        "    return 'mine'\n"
        "\n"
        "a = Value(2.0, label='a')\n"
        "a"
    )
    expected = "from neurograd_core import Value\na = Value(2.0, label='a')\na"
    assert runner.on_neurograd(source) == expected


def _notebook_in_micrograds_form(path: Path, last_cell: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from micrograd.engine import Value\nfrom micrograd import nn"),
        nbformat.v4.new_code_cell(
            "import random\n"
            "random.seed(1337)\n"
            "n = nn.Neuron(2)\n"
            "x = [Value(1.0), Value(-2.0)]\n"
            "y = n(x)\n"
            "y.backward()\n"
            "ops = {v._op for v in y._prev} | {y._op}"
        ),
        nbformat.v4.new_code_cell(last_cell),
    ]
    nbformat.write(notebook, path)
    return path


def test_the_runner_runs_a_notebook_written_for_micrograd(tmp_path, capsys):
    runner = _runner()
    path = _notebook_in_micrograds_form(
        tmp_path / "micrograd.ipynb", "assert 'ReLU' in ops and '+' in ops, ops\nprint(y.data)"
    )
    assert runner.main([str(path)]) == 0
    assert "3 code cells ran on Neurograd" in capsys.readouterr().out
    executed = runner.run(path)
    assert executed.cells[0].source == "from neurograd_core import Value\nimport neurograd_nn as nn"
    assert float(executed.cells[2].outputs[0]["text"]) >= 0.0  # relu's output


def test_the_runner_names_a_failing_cell(tmp_path, capsys):
    runner = _runner()
    path = _notebook_in_micrograds_form(tmp_path / "failing.ipynb", "y.no_such_method()")
    assert runner.main([str(path)]) == 1
    assert "no_such_method" in capsys.readouterr().err


# --- copies of graphs (micrograd's Values deep-copy; so do Neurograd's, and they pickle) ----


def test_a_graph_deep_copies_and_pickles_with_its_labels_attributes_and_ops():
    import copy
    import pickle

    a = Value(2.0, label="a")
    a.m = 1.5
    b = (a * a) ** 2 + a.dot(a, 1.0)  # a**4 + a**2 + 1: db/da = 4a**3 + 2a = 36 at 2
    for copied in (copy.deepcopy(b), pickle.loads(pickle.dumps(b))):
        (leaf,) = [v for v in inputs_last(copied) if v.label == "a"]
        assert (leaf.label, leaf.m, leaf.data) == ("a", 1.5, 2.0) and leaf is not a
        assert copied.data == 21.0 and copied._op == "+"
        copied.backward()
        assert leaf.grad == 36.0 and a.grad == 0.0


def test_a_node_of_an_unregistered_op_does_not_pickle_and_says_why():
    import pickle

    op = Op("unlisted_double", lambda xp, x: 2.0 * x, lambda xp, grad, out, x: (2.0 * grad,))
    from neurograd_core.value import apply

    node = apply(op, Value(1.0))
    with pytest.raises(TypeError, match="'unlisted_double' is not registered"):
        pickle.dumps(node)
