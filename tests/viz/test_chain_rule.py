"""The chain rule made visible: explain() and draw_dot(show_local_grads=True).

Hand-worked graphs pin the text and the labels; random graphs check every local
derivative and every gradient against PyTorch float64 and every total against
``.grad`` after one ``backward()``.
"""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurograd_core import Op, Value
from neurograd_core.value import apply
from neurograd_viz import ChainRule, draw_dot, explain
from neurograd_viz.chain import DEFAULT_MAX_EDGE_LABELS, DEFAULT_MAX_EDGES, explanation
from neurograd_viz.graph import trace
from neurograd_viz.labels import format_number


def lecture() -> dict[str, Value]:
    """L = (a*b + a) * b at a = 2, b = -3; a and b each feed two nodes.

    e = -6, d = -4, L = 12. dL/dd = b = -3, dL/de = dL/dd = -3,
    dL/da = dL/de * b + dL/dd * 1 = 9 - 3 = 6, dL/db = d + dL/de * a = -4 - 6 = -10.
    """
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    d = e + a
    L = d * b
    e.label, d.label, L.label = "e", "d", "L"
    return {"a": a, "b": b, "e": e, "d": d, "L": L}


def printed(root: Value, leaf: Value, **kwargs) -> list[str]:
    out = io.StringIO()
    explain(root, leaf, file=out, **kwargs)
    return out.getvalue().splitlines()


# ---------------------------------------------------------------- explain: worked examples


def test_explain_lists_each_edge_with_its_local_derivative_and_contribution():
    v = lecture()
    v["L"].backward()
    assert printed(v["L"], v["a"]) == [
        "dL/da = Σ dL/dparent × ∂parent/∂a over the 2 edges out of a",
        "  parent               input  dL/dparent  ∂parent/∂a  contribution",
        "  + 'd' data -4.0000  2 of 2     -3.0000      1.0000       -3.0000",
        "  * 'e' data -6.0000  1 of 2     -3.0000     -3.0000        9.0000",
        "  total dL/da                                               6.0000",
        "a.grad = 6.0000, equal to dL/da.",
    ]
    assert printed(v["L"], v["b"])[2:5] == [
        "  * 'L' data 12.0000  2 of 2      1.0000     -4.0000       -4.0000",
        "  * 'e' data -6.0000  2 of 2     -3.0000      2.0000       -6.0000",
        "  total dL/db                                             -10.0000",
    ]


def test_an_input_used_twice_is_two_edges():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    assert printed(y, x) == [
        "d(root)/dx = Σ d(root)/dparent × ∂parent/∂x over the 2 edges out of x",
        "  parent             input  d(root)/dparent  ∂parent/∂x  contribution",
        "  * data 9.0000     1 of 2           1.0000      3.0000        3.0000",
        "  * data 9.0000     2 of 2           1.0000      3.0000        3.0000",
        "  total d(root)/dx                                             6.0000",
        "x.grad = 6.0000, equal to d(root)/dx.",
    ]


def test_the_root_is_fed_by_no_edge():
    v = lecture()
    v["L"].backward()
    assert printed(v["L"], v["L"]) == [
        "L is the root: backward() starts from dL/dL = 1; no edge feeds it.",
        "L.grad = 1.0000, equal to dL/dL.",
    ]


def test_accumulated_grad_is_named_and_the_gradient_still_shown():
    v = lecture()
    v["L"].backward()
    v["L"].backward()  # .grad now holds twice dL/da
    lines = printed(v["L"], v["a"])
    assert lines[4] == "  total dL/da                                               6.0000"
    assert lines[5].startswith("a.grad = 12.0000, not dL/da: .grad sums every backward()")
    assert (
        lines[6]
        == "Set .grad = 0 on the graph's Values and run L.backward() once: the two then agree."
    )


def test_without_backward_explain_still_gives_the_gradient_and_says_grad_is_not_it():
    v = lecture()
    lines = printed(v["L"], v["b"])
    assert lines[4].endswith("-10.0000")
    assert lines[5].startswith("b.grad = 0.0000, not dL/db")


def test_explain_and_draw_dot_leave_every_grad_as_it_was():
    v = lecture()
    v["L"].backward()
    v["d"].backward(5.0)  # deliberately mixed: grads are now no single root's
    before = {name: value.grad for name, value in v.items()}
    for leaf in v.values():
        explain(v["L"], leaf, file=io.StringIO())
    draw_dot(v["L"], show_local_grads=True)
    ChainRule(v["e"]).edges()
    assert {name: value.grad for name, value in v.items()} == before


def test_past_max_edges_the_largest_contributions_are_shown_and_the_rest_counted():
    x = Value(0.5, label="x")
    terms = [x * float(k) for k in (3, -40, 7, 1, -5, 2)]
    s = terms[0]
    for term in terms[1:]:
        s = s + term
    s.label = "s"
    s.backward()
    assert printed(s, x, max_edges=3) == [
        "ds/dx = Σ ds/dparent × ∂parent/∂x over the 6 edges out of x",
        "  (the 3 largest contributions, largest first)",
        "  parent                  input  ds/dparent  ∂parent/∂x  contribution",
        "  * data -20.0000        1 of 2      1.0000    -40.0000      -40.0000",
        "  * data 3.5000          1 of 2      1.0000      7.0000        7.0000",
        "  * data -2.5000         1 of 2      1.0000     -5.0000       -5.0000",
        "  3 more edges left out                                        6.0000",
        "  total ds/dx                                                -32.0000",
        "x.grad = -32.0000, equal to ds/dx.",
    ]
    assert len(printed(s, x, max_edges=None)) == 4 + 6
    assert len(printed(s, x, max_edges=6)) == 4 + 6
    assert 10 <= DEFAULT_MAX_EDGES <= 50


def test_non_finite_contributions_count_as_largest():
    x = Value(0.0, label="x")
    y = x.sqrt() + x * 2.0 + x * 3.0  # d sqrt(x)/dx at 0 is inf
    y.backward()
    assert printed(y, x, max_edges=1)[1:5] == [
        "  (the largest contribution, largest first)",
        "  parent                  input  d(root)/dparent  ∂parent/∂x  contribution",
        "  sqrt data 0.0000       1 of 1           1.0000         inf           inf",
        "  2 more edges left out                                             5.0000",
    ]
    x.grad = 0.0
    z = x.sqrt() * 0.0 + x * -7.0  # upstream 0 times local inf: the contribution is nan
    z.backward()
    lines = printed(z, x, max_edges=1)
    assert lines[3].startswith("  sqrt data 0.0000") and lines[3].endswith(" nan")
    assert lines[-1] == "x.grad = nan, equal to d(root)/dx."


def test_an_op_of_three_inputs_has_three_edges():
    fma = Op(
        "fma",
        lambda xp, x, y, z: x * y + z,
        lambda xp, g, out, x, y, z: (g * y, g * x, g),
    )
    x, y = Value(2.0, label="x"), Value(5.0, label="y")
    out = apply(fma, x, y, x) * 3.0  # x is input 1 and input 3
    out.backward()
    edges = ChainRule(out).edges_into(x)
    assert [(e.position, e.local, e.upstream, e.contribution) for e in edges] == [
        (0, 5.0, 3.0, 15.0),
        (2, 1.0, 3.0, 3.0),
    ]
    assert x.grad == 18.0


def test_explain_names_what_was_wrong():
    v = lecture()
    stranger = Value(1.0, label="z")
    with pytest.raises(ValueError, match=r"explain\(\): z .* is not in the graph of root L"):
        explain(v["L"], stranger)
    with pytest.raises(
        TypeError, match=r"explain\(\): expected a Value of root's graph, got float"
    ):
        explain(v["L"], 2.0)
    with pytest.raises(TypeError, match=r"explain\(\) takes a neurograd Value as root, got list"):
        explain([v["L"]], v["a"])
    with pytest.raises(ValueError, match=r"max_edges must be a positive int or None.*got 0"):
        explain(v["L"], v["a"], max_edges=0)
    with pytest.raises(TypeError, match=r"max_edges must be a positive int.*bool True"):
        explain(v["L"], v["a"], max_edges=True)


def test_explain_prints_to_stdout(capsys):
    v = lecture()
    v["L"].backward()
    assert explain(v["L"], v["e"]) is None
    assert capsys.readouterr().out.splitlines()[-1] == "e.grad = -3.0000, equal to dL/de."


def test_explain_works_on_a_very_deep_graph_without_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = -y
    y = y + x
    y.backward()
    assert printed(y, x)[-1] == "x.grad = 2.0000, equal to d(root)/dx."


def test_explain_loads_lazily_and_without_graphviz():
    code = (
        "import sys, neurograd_viz\n"
        "print('neurograd_viz.chain' in sys.modules)\n"
        "from neurograd_viz import explain\n"
        "print('neurograd_viz.chain' in sys.modules, 'graphviz' in sys.modules)"
    )
    env = {**os.environ, "NEUROGRAD_STRICT_PLUGINS": ""}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "False"]


# ---------------------------------------------------------- draw_dot: worked examples


def _labels_by_edge(shown, root):
    """{(input's label, output's label): sorted edge texts} for edges into op nodes."""
    ids = {f"v{i}": node for i, node in enumerate(trace(root))}
    found: dict[tuple[str, str], list] = {}
    for (tail, head), texts in zip(shown.edges, shown.edge_texts):
        if head.endswith("op"):
            key = (ids[tail].label, ids[head[:-2]].label)
            found.setdefault(key, []).append(texts)
    return {key: sorted(texts) for key, texts in found.items()}


def test_each_edge_shows_local_derivative_and_contribution(render_svg):
    v = lecture()
    v["L"].backward()
    shown = render_svg(draw_dot(v["L"], show_local_grads=True))
    assert _labels_by_edge(shown, v["L"]) == {
        ("a", "e"): [["local -3.0000", "adds 9.0000"]],
        ("b", "e"): [["local 2.0000", "adds -6.0000"]],
        ("e", "d"): [["local 1.0000", "adds -3.0000"]],
        ("a", "d"): [["local 1.0000", "adds -3.0000"]],
        ("d", "L"): [["local -3.0000", "adds -3.0000"]],
        ("b", "L"): [["local -4.0000", "adds -4.0000"]],
    }
    assert shown.caption == []
    # the records are unchanged: label | data | grad
    assert shown.texts[shown.only_node_showing("a")] == ["a", "data 2.0000", "grad 6.0000"]


def test_without_show_local_grads_edges_carry_no_text(render_svg):
    v = lecture()
    v["L"].backward()
    shown = render_svg(draw_dot(v["L"]))
    assert shown.edge_texts == [[]] * len(shown.edges)


def test_a_reused_input_gets_two_labelled_edges(render_svg):
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.backward()
    shown = render_svg(draw_dot(y, show_local_grads=True))
    assert _labels_by_edge(shown, y) == {("x", "y"): [["local 3.0000", "adds 3.0000"]] * 2}


def test_past_max_edge_labels_only_the_largest_are_labelled_and_a_caption_counts_the_rest(
    render_svg,
):
    v = lecture()
    v["L"].backward()
    shown = render_svg(draw_dot(v["L"], show_local_grads=True, max_edge_labels=2))
    labelled = {k: t for k, t in _labels_by_edge(shown, v["L"]).items() if t != [[]]}
    assert labelled == {
        ("a", "e"): [["local -3.0000", "adds 9.0000"]],
        ("b", "e"): [["local 2.0000", "adds -6.0000"]],
    }
    assert shown.caption == [
        "local gradients on the 2 largest contributions; 4 more edges left out"
    ]
    assert 20 <= DEFAULT_MAX_EDGE_LABELS <= 200


def test_accumulated_grads_are_named_in_the_caption(render_svg):
    v = lecture()
    v["L"].backward()
    v["L"].backward()
    shown = render_svg(draw_dot(v["L"], show_local_grads=True))
    assert shown.caption == [
        "5 of 5 Values show a .grad other than d(root)/d(Value), which the edge labels use:"
        " .grad sums every backward() since it was last set to 0"
    ]
    # the labels still show the gradients of one backward() from L
    assert _labels_by_edge(shown, v["L"])[("a", "e")] == [["local -3.0000", "adds 9.0000"]]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"show_local_grads": "yes"}, TypeError, "show_local_grads must be True or False"),
        ({"max_edge_labels": 0}, ValueError, "max_edge_labels must be a positive int.*got 0"),
        ({"max_edge_labels": 1.5}, TypeError, "max_edge_labels must be a positive int.*float"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        draw_dot(lecture()["L"], **kwargs)


# ------------------------------------------------------ random graphs against PyTorch


UNARY = {
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(negative_slope=0.1),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "softplus": lambda x: x.softplus(),
    "silu": lambda x: x.silu(),
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 1.0).log(),
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
    "abs": lambda x: x.abs(),
    "neg": lambda x: -x,
    "pow": lambda x: x.tanh() ** 3,
    "log1p": lambda x: (x * x).log1p(),
    "exp2": lambda x: x.tanh().exp2(),
    "square": lambda x: x.tanh() * x.tanh(),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b.tanh(),
    "div": lambda a, b: a / (b * b + 1.0),
    "power": lambda a, b: (a * a + 1.0) ** b.tanh(),
}
step = st.one_of(
    st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 10**6), st.integers(0, 10**6)),
)
graphs = st.tuples(
    st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=4),
    st.lists(step, min_size=1, max_size=20),
)


def build(leaves: list[float], steps: list) -> tuple[Value, list[Value]]:
    """A random DAG: each step applies an op to earlier nodes, so nodes are shared."""
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(leaves)]
    nodes = list(inputs)
    for name, i, j in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(UNARY[name](a) if name in UNARY else BINARY[name](a, b))
    root = nodes[-1]
    for node in inputs:  # every input reaches the root
        root = root + node * 0.5
    return root, inputs


def torch_gradients(root: Value) -> dict[Value, float]:
    """d(root)/d(node) for every node, from the same graph rebuilt in PyTorch float64."""
    tensors: dict[Value, torch.Tensor] = {}
    for node in _inputs_first(root):
        if node.op is None:
            tensors[node] = torch.tensor(node.data, dtype=torch.float64, requires_grad=True)
        else:
            inputs = [tensors[child] for child in node.children]
            tensors[node] = node.op.torch(*inputs, **node.op.attrs)
            tensors[node].retain_grad()
    tensors[root].backward()
    return {node: 0.0 if t.grad is None else t.grad.item() for node, t in tensors.items()}


def _inputs_first(root: Value) -> list[Value]:
    order, seen = [], set()

    def visit(node):  # test graphs are shallow
        if node not in seen:
            seen.add(node)
            for child in node.children:
                visit(child)
            order.append(node)

    visit(root)
    return order


def torch_local(parent: Value) -> list[float]:
    """∂parent/∂input for each input position, by PyTorch on fresh tensors."""
    inputs = [
        torch.tensor(child.data, dtype=torch.float64, requires_grad=True)
        for child in parent.children
    ]
    out = parent.op.torch(*inputs, **parent.op.attrs)
    grads = torch.autograd.grad(out, inputs, allow_unused=True)
    return [0.0 if g is None else g.item() for g in grads]


def close(a: float, b: float, scale: float = 1.0) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12 * max(1.0, scale))


@settings(max_examples=80, deadline=None)
@given(graph=graphs)
def test_on_random_graphs_explain_matches_pytorch_and_totals_equal_grad(graph):
    root, _ = build(*graph)
    root.backward()
    rule = ChainRule(root)
    expected = torch_gradients(root)
    for node in rule.nodes:
        assert close(rule.gradient[node], expected[node]), (node, expected[node])
        assert rule.gradient[node] == node.grad  # one backward() on a fresh graph: to the bit
        edges = rule.edges_into(node)
        if node is not root:
            contributions = [edge.contribution for edge in edges]
            scale = math.fsum(abs(c) for c in contributions)
            assert close(math.fsum(contributions), node.grad, scale)
        for edge in edges:
            assert edge.parent.children[edge.position] is node
            local = torch_local(edge.parent)[edge.position]
            assert close(edge.local, local), (edge, local)
            assert edge.upstream == rule.gradient[edge.parent]
            assert close(edge.contribution, expected[edge.parent] * local), edge
        lines = explanation(root, node, max_edges=None).splitlines()
        name = node.label or "leaf"
        assert lines[-1].startswith(f"{name}.grad = {format_number(node.grad)}, equal to d")
        if node is not root:
            assert lines[-2].endswith(" " + format_number(node.grad))
            assert len(lines) == 4 + len(edges)  # title, heads, edges, total, .grad
    assert len(rule.edges()) == sum(len(rule.edges_into(node)) for node in rule.nodes)


def _number(text: str) -> float:
    return float(text.split()[-1])


def rounded_from(shown: float, exact: float) -> bool:
    """Whether ``shown`` is ``exact`` as format_number rounds it: four decimals, or four
    decimals of the mantissa from 1e9 on."""
    step = 1e-4 if abs(exact) < 1e9 else 1e-4 * 10 ** math.floor(math.log10(abs(exact)))
    return abs(shown - exact) <= 0.5 * step * (1 + 1e-9) + 1e-12 * abs(exact)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(graph=graphs)
def test_on_random_graphs_edge_labels_match_pytorch(render_svg, graph):
    root, _ = build(*graph)
    root.backward()
    expected = torch_gradients(root)
    nodes = trace(root)
    ids = {f"v{i}": node for i, node in enumerate(nodes)}
    shown = render_svg(draw_dot(root, show_local_grads=True, max_edge_labels=None, max_nodes=None))
    drawn: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for (tail, head), texts in zip(shown.edges, shown.edge_texts):
        if head.endswith("op"):
            assert texts[0].startswith("local ") and texts[1].startswith("adds "), texts
            drawn.setdefault((tail, head), []).append((_number(texts[0]), _number(texts[1])))
    count = 0
    for name, parent in ids.items():
        if parent.op is None:
            continue
        locals_ = torch_local(parent)
        for position, child in enumerate(parent.children):
            key = (next(k for k, v in ids.items() if v is child), name + "op")
            want = (locals_[position], expected[parent] * locals_[position])
            # each shown number is the exact one rounded to 4 decimals
            assert any(all(map(rounded_from, pair, want)) for pair in drawn[key]), (
                drawn[key],
                want,
            )
            count += 1
    assert count == sum(len(texts) for texts in drawn.values())
    assert shown.caption == []
