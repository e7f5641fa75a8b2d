"""The ``neurograd graph`` command, contributed by the viz plugin through register_commands."""

from __future__ import annotations

import math

import pytest

from neurograd_core.cli import main
from neurograd_core.plugins import commands
from neurograd_viz.expression import ExpressionError, evaluate


def test_the_viz_plugin_provides_the_command():
    assert commands()["graph"].provider == "viz"


def test_default_is_the_lecture_neuron_with_its_gradients(capsys):
    assert main(["graph"]) == 0
    out = capsys.readouterr().out.splitlines()
    # o = tanh(2*-3 + 0*1 + 6.8814) = tanh(0.8814) = 1/sqrt(2); do/dn = 1 - o**2 = 0.5
    assert out[0] == "[0] tanh data 0.7071 grad 1.0000"
    assert out[1] == "  [1] + data 0.8814 grad 0.5000"
    for line in [
        "[4] 'x1' data 2.0000 grad -1.5000",  # w1 * 0.5
        "[5] 'w1' data -3.0000 grad 1.0000",  # x1 * 0.5
        "[7] 'x2' data 0.0000 grad 0.5000",
        "[8] 'w2' data 1.0000 grad 0.0000",
        "[9] 'b' data 6.8814 grad 0.5000",
    ]:
        assert line in [text.strip() for text in out]
    assert len(out) == 10


def test_no_backward_leaves_grads_zero(capsys):
    assert main(["graph", "x * 3", "--set", "x=2", "--no-backward"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "[0] * data 6.0000 grad 0.0000",
        "  [1] 'x' data 2.0000 grad 0.0000",
        "  [2] data 3.0000 grad 0.0000",
    ]


def test_writes_an_svg_whose_nodes_match_the_expression(tmp_path, capsys, parse_svg):
    target = tmp_path / "graph.svg"
    values = ["--set", "a=-4", "--set", "b=2"]
    assert main(["graph", "(a*b + b**3).relu()", *values, "-o", str(target)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {target}"
    shown = parse_svg(target.read_bytes())
    # a*b + b**3 = -8 + 8 = 0, relu(0) = 0; relu passes no gradient at 0
    assert shown.texts[shown.only_node_showing("a")] == ["a", "data -4.0000", "grad 0.0000"]
    assert shown.texts[shown.only_node_showing("b")] == ["b", "data 2.0000", "grad 0.0000"]
    assert {t[0] for t in shown.texts.values() if len(t) == 1} == {"*", "+", "**3", "ReLU"}


def test_writes_a_png_top_to_bottom_coloured_by_plugin(tmp_path, png_size):
    target = tmp_path / "graph.png"
    args = ["graph", "-o", str(target), "--rankdir", "TB", "--color-by-plugin"]
    assert main(args) == 0
    width, height = png_size(target.read_bytes())
    assert height > width > 0


def test_format_option_overrides_the_suffix(tmp_path, png_size):
    target = tmp_path / "graph.picture"
    assert main(["graph", "-o", str(target), "--format", "png"]) == 0
    assert png_size(target.read_bytes())[0] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["y * 2"], "name 'y' has no value: give it one with --set y=1.5"),
        (["x", "--set", "x"], "--set takes NAME=NUMBER, got 'x'"),
        (["x", "--set", "x=two"], "--set x: 'two' is not a number"),
        (["x", "--set", "1x=2"], "--set takes NAME=NUMBER, got '1x=2'"),
        (["__import__('os')"], "no op named '__import__' is registered"),
        (["x.data", "--set", "x=1"], "'x.data' is not allowed"),
        (["x[0]", "--set", "x=1"], "'x[0]' is not allowed"),
        (["x +", "--set", "x=1"], "cannot read 'x +'"),
        (["2 * 3"], "uses no named value"),
        (["1 / 0"], "cannot compute '1 / 0'"),
        (["9 ** 9 ** 9"], "cannot compute"),
        (["tanh(x, x)", "--set", "x=1"], "op 'tanh' takes 1 inputs, got 2"),
        (["tanh(x, bad=1)", "--set", "x=1"], "tanh"),
        (["leaky_relu(x, negative_slope=s)", "--set", "x=1", "--set", "s=1"], "name=constant"),
        (["x", "--set", "x=1", "-o", "graph.nothing"], "cannot tell a picture format"),
        (["x", "--set", "x=1", "-o", "g.svg", "--format", "nope"], "unknown --format 'nope'"),
        (["--max-nodes", "5"], "more than 5 Values; raise the limit with --max-nodes N"),
        (["x ** 2 ** 2000", "--set", "x=1"], "cannot compute"),
        (["x.relu", "--set", "x=1"], "'x.relu' is not allowed"),
        (["x % 2", "--set", "x=1"], "'x % 2' is not allowed"),
        (["(x", "--set", "x=1"], "cannot read '(x'"),
        (["x)", "--set", "x=1"], "cannot read 'x)'"),
        (["x y", "--set", "x=1", "--set", "y=1"], "cannot read 'x y'"),
        (["tanh(x,, x)", "--set", "x=1"], "cannot read"),
        (["tanh(x", "--set", "x=1"], "cannot read"),
        (["lambda: 0"], "'lambda: 0' is not allowed"),
        (["x" * 200 + "[0]", "--set", "x" * 200 + "=1"], "[0]' is not allowed"),
    ],
)
def test_mistakes_are_reported_with_status_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("neurograd graph: error: ")
    assert message in captured.err
    assert list(tmp_path.iterdir()) == []  # no picture half-written


def test_an_unwritable_output_is_reported_with_status_1(tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    assert main(["graph", "-o", str(tmp_path / "a-file" / "graph.svg")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_output_into_a_missing_folder_creates_it(tmp_path, capsys, parse_svg):
    target = tmp_path / "new" / "folder" / "graph.svg"
    assert main(["graph", "-o", str(target)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {target}"
    assert parse_svg(target.read_bytes()).texts


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_max_nodes_below_one_is_refused_by_argparse(limit, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["graph", "--max-nodes", limit])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: neurograd graph")
    assert "neurograd graph: error: argument --max-nodes: " in err and repr(limit) in err


@pytest.mark.parametrize(
    ("expression", "data", "grad"),
    [
        ("+".join(["x"] * 5000), "5000.0000", "5000.0000"),
        ("*".join(["x"] * 5000), "1.0000", "5000.0000"),
        ("x*" + "-" * 5000 + "x", "1.0000", "2.0000"),
        ("(" * 5000 + "x" + ")" * 5000, "1.0000", "1.0000"),
        ("x" + "**x" * 5000, "1.0000", "1.0000"),
        ("x" + ".relu()" * 5000, "1.0000", "1.0000"),
        ("sigmoid(" * 5000 + "x" + ")" * 5000, "0.6590", "0.0000"),
    ],
    ids=["sum", "product", "negations", "parentheses", "powers", "methods", "calls"],
)
def test_expressions_thousands_of_terms_long(expression, data, grad, capsys):
    assert main(["graph", expression, "--set", "x=1", "--max-nodes", "20000"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(f"data {data} grad 1.0000")
    [x] = [line for line in out if "'x' data" in line]
    assert x.endswith(f"'x' data 1.0000 grad {grad}")


def test_rankdir_is_checked_by_argparse(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["graph", "--rankdir", "RL"])
    assert exit.value.code == 2
    assert "invalid choice: 'RL'" in capsys.readouterr().err


def test_expressions_use_registered_ops_as_functions_and_methods():
    y = evaluate("x.relu() + leaky_relu(-x, negative_slope=0.25) + -x ** 2", {"x": 3.0})
    # relu(3) + leaky_relu(-3, 0.25) + -(3**2) = 3 - 0.75 - 9
    assert y.data == pytest.approx(-6.75)
    y.backward()
    x = next(v for v in _leaves(y) if v.label == "x")
    assert x.grad == pytest.approx(1 - 0.25 - 6)  # the one x Value is shared by every use


def _leaves(root):
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.children)
            if not node.children:
                yield node


def test_expression_errors_are_value_errors():
    with pytest.raises(ExpressionError) as err:
        evaluate("lambda: 0", {})
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    "source",
    [
        "-x**2",
        "2**-x",
        "2**-x*3",
        "-2**x",
        "x**-x**2",
        "8-x-2",
        "x**3**2/x",
        "x/2/4",
        "-(x+1)*3 - +x",
        "(x)*(((x)))",
        "1e-3*x + 0x10 - 1_000",
    ],
)
def test_expressions_follow_python_precedence(source):
    assert evaluate(source, {"x": 1.5}).data == pytest.approx(eval(source, {"x": 1.5}))


def test_op_calls_take_inputs_and_constant_attributes():
    x = {"x": -2.0}
    assert evaluate("leaky_relu(x, negative_slope=-0.5)", x).data == 1.0
    assert evaluate("x.leaky_relu(negative_slope=0.25,)", x).data == -0.5
    assert evaluate("(x * 2).relu() + tanh(x,)", x).data == pytest.approx(math.tanh(-2.0))
    with pytest.raises(ExpressionError, match="an input follows an attribute"):
        evaluate("leaky_relu(negative_slope=0.5, x)", x)
