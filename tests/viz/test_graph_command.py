"""The ``neurograd graph`` command, contributed by the viz plugin through register_commands."""

from __future__ import annotations

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
    assert {t[0] for t in shown.texts.values() if len(t) == 1} == {"*", "+", "**3", "relu"}


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
        (["--max-nodes", "0"], "max_nodes must be a positive int"),
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
    assert main(["graph", "-o", str(tmp_path / "missing" / "graph.svg")]) == 1
    assert "cannot write" in capsys.readouterr().err


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
