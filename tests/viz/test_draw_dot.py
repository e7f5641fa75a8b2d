"""draw_dot: records and op nodes as micrograd draws them, checked in SVG rendered by dot."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import graphviz
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurograd_core import Op, Value
from neurograd_core.registry import registry
from neurograd_viz import DEFAULT_MAX_NODES, GraphTooLargeError, draw_dot


def lecture_graph() -> Value:
    """micrograd lecture's L = (a*b + c) * f, with labels; numbers worked out by hand below."""
    a, b, c, f = (Value(x, label=n) for x, n in ((2.0, "a"), (-3.0, "b"), (10.0, "c"), (-2.0, "f")))
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    loss.backward()
    return loss


def test_returns_a_digraph_with_the_requested_format_and_direction():
    dot = draw_dot(lecture_graph())
    assert isinstance(dot, graphviz.Digraph)
    assert dot.format == "svg"
    assert dot.graph_attr["rankdir"] == "LR"
    png = draw_dot(lecture_graph(), "png", "TB")
    assert png.format == "png"
    assert png.graph_attr["rankdir"] == "TB"


def test_records_show_label_data_and_grad_with_four_decimals(render_svg):
    shown = render_svg(draw_dot(lecture_graph()))
    # e = -6, d = 4, L = -8; dL/dd = f = -2, dL/df = d = 4, dL/da = -2*b = 6, dL/db = -2*a = -4
    expected = {
        "a": ["a", "data 2.0000", "grad 6.0000"],
        "b": ["b", "data -3.0000", "grad -4.0000"],
        "c": ["c", "data 10.0000", "grad -2.0000"],
        "e": ["e", "data -6.0000", "grad -2.0000"],
        "d": ["d", "data 4.0000", "grad -2.0000"],
        "f": ["f", "data -2.0000", "grad 4.0000"],
        "L": ["L", "data -8.0000", "grad 1.0000"],
    }
    for label, texts in expected.items():
        assert shown.texts[shown.only_node_showing(label)] == texts
    assert len(shown.texts) == 7 + 3  # seven Values, three ops


def test_op_nodes_sit_between_each_output_and_its_inputs(render_svg):
    shown = render_svg(draw_dot(lecture_graph()))
    node = {label: shown.only_node_showing(label) for label in "abcdefL"}
    ops = {name for name, texts in shown.texts.items() if texts in (["*"], ["+"])}
    assert len(ops) == 3
    inputs_of = {}
    for op in ops:
        (output,) = [head for tail, head in shown.edges if tail == op]
        inputs_of[output] = (shown.texts[op][0], sorted(t for t, h in shown.edges if h == op))
    assert inputs_of == {
        node["e"]: ("*", sorted([node["a"], node["b"]])),
        node["d"]: ("+", sorted([node["e"], node["c"]])),
        node["L"]: ("*", sorted([node["d"], node["f"]])),
    }
    assert len(shown.edges) == 3 + 6


def test_an_unlabelled_value_shows_only_data_and_grad(render_svg):
    x = Value(1.5)
    y = x.tanh()
    shown = render_svg(draw_dot(y))
    assert shown.nodes_showing("data 1.5000")
    assert shown.texts[shown.nodes_showing("data 1.5000")[0]] == ["data 1.5000", "grad 0.0000"]
    assert shown.texts[shown.only_node_showing("tanh")] == ["tanh"]


def test_an_input_used_twice_gets_two_edges(render_svg):
    x = Value(3.0, label="x")
    shown = render_svg(draw_dot(x * x))
    op = shown.only_node_showing("*")
    assert shown.edges.count((shown.only_node_showing("x"), op)) == 2


@pytest.mark.parametrize(
    ("data", "grad", "texts"),
    [
        (float("nan"), 0.0, ["data nan", "grad 0.0000"]),
        (float("inf"), float("-inf"), ["data inf", "grad -inf"]),
        (1e300, float("nan"), ["data 1.0000e+300", "grad nan"]),
        (-123456789.0, 2.5e9, ["data -123456789.0000", "grad 2.5000e+09"]),
    ],
)
def test_nan_and_infinities_show_as_such(render_svg, data, grad, texts):
    x = Value(data)
    x.grad = grad
    shown = render_svg(draw_dot(x))
    assert list(shown.texts.values()) == [texts]


# Every character dot gives a meaning to, alone and together.
AWKWARD_LABELS = [
    'say "hi"',
    "{braces}",
    "a|b",
    "<port>",
    "a<b>c",
    "back\\slash",
    "ends with \\",
    "\\n is not a newline",
    "&amp; stays &amp;",
    'all: "{|<>}" \\ &',
    "naïve ∂L/∂w",
]


def test_awkward_labels_render_exactly_as_typed(render_svg):
    values = [Value(float(i), label=label) for i, label in enumerate(AWKWARD_LABELS)]
    root = values[0]
    for value in values[1:]:
        root = root + value
    root.backward()
    shown = render_svg(draw_dot(root))
    for i, label in enumerate(AWKWARD_LABELS):
        assert shown.texts[shown.only_node_showing(label)] == [
            label,
            f"data {i}.0000",
            "grad 1.0000",
        ]


def test_a_newline_in_a_label_breaks_the_line_and_a_tab_shows_escaped(render_svg):
    x = Value(1.0, label="first\nsecond")
    y = Value(2.0, label="tab\there")
    shown = render_svg(draw_dot(x + y))
    assert ["first", "second", "data 1.0000", "grad 0.0000"] in shown.texts.values()
    assert ["tab\\there", "data 2.0000", "grad 0.0000"] in shown.texts.values()


def test_op_shows_its_symbol_formatted_with_attributes(render_svg):
    x = Value(2.0, label="x")
    shown = render_svg(draw_dot((x**2).leaky_relu(negative_slope=0.5) / x))
    for text in ("**2", "leaky_relu", "/"):
        assert shown.texts[shown.only_node_showing(text)] == [text]


def _third_party_ops():
    """Two ops as a plugin would declare them: one without a symbol, one with awkward ones."""
    cube = Op("cube", lambda xp, x: x**3, lambda xp, g, out, x: (3 * g * x * x,))
    clamp = Op(
        "floor_at",  # not "clamp": that name is bundled
        lambda xp, x, *, low: xp.maximum(x, low),
        lambda xp, g, out, x, *, low: (xp.where(x > low, g, 0.0),),
        arity=1,
        symbol='max(·, {low}) "<|>" \\ &amp;',
    )
    return cube, clamp


def test_third_party_op_shows_its_name_or_its_symbol(render_svg):
    cube, clamp = _third_party_ops()
    with registry.isolated():
        registry.register(cube, provider="cubes")
        registry.register(clamp, provider="clamps")
        y = Value(2.0).cube().floor_at(low=1.5)
        shown = render_svg(draw_dot(y))
    assert shown.texts[shown.only_node_showing("cube")] == ["cube"]
    symbol = 'max(·, 1.5) "<|>" \\ &amp;'
    assert shown.texts[shown.only_node_showing(symbol)] == [symbol]


def test_colour_by_plugin_fills_ops_by_provider_with_a_matching_legend(render_svg):
    cube, _ = _third_party_ops()
    unregistered = Op("halve", lambda xp, x: x / 2, lambda xp, g, out, x: (g / 2,), arity=1)
    with registry.isolated():
        registry.register(cube, provider="my-plugin")
        from neurograd_core.value import apply

        y = apply(unregistered, (Value(2.0).cube() + 1.0).tanh())
        shown = render_svg(draw_dot(y, color_by_plugin=True))
    legend = {shown.texts[n][0]: shown.fills[n] for n in shown.texts if n.startswith("legend")}
    assert set(legend) == {"my-plugin", "arithmetic", "activations", "(not registered)"}
    assert len(set(legend.values())) == 4
    for op_text, provider in [
        ("cube", "my-plugin"),
        ("+", "arithmetic"),
        ("tanh", "activations"),
        ("halve", "(not registered)"),
    ]:
        assert shown.fills[shown.only_node_showing(op_text)] == legend[provider]


def test_without_colour_there_is_no_legend_and_no_fill(render_svg):
    shown = render_svg(draw_dot(lecture_graph()))
    assert not any(name.startswith("legend") for name in shown.texts)
    assert {shown.fills[n] for n in shown.texts} == {"none"}


def _chain(length: int) -> Value:
    """A chain of ``length`` Values: x, -x, --x, ..."""
    x = Value(0.5)
    for _ in range(length - 1):
        x = -x
    return x


def test_png_renders_with_real_size_and_rankdir_turns_it(tmp_path, png_size):
    wide = png_size(draw_dot(_chain(6), format="png", rankdir="LR").pipe())
    tall = png_size(draw_dot(_chain(6), format="png", rankdir="TB").pipe())
    assert wide[0] > 2 * wide[1] > 0
    assert tall[1] > 2 * tall[0] > 0
    path = draw_dot(_chain(3), format="png").render(tmp_path / "chain")
    assert png_size(open(path, "rb").read())[0] > 0


def test_displays_inline_in_jupyter(parse_svg):
    bundle = draw_dot(lecture_graph())._repr_mimebundle_()
    shown = parse_svg(bundle["image/svg+xml"].encode())
    assert shown.only_node_showing("data -8.0000")


def test_a_graph_over_the_limit_is_refused_with_how_to_raise_it():
    assert 100 <= DEFAULT_MAX_NODES <= 1000
    with pytest.raises(GraphTooLargeError, match=rf"more than {DEFAULT_MAX_NODES} Values") as err:
        draw_dot(_chain(DEFAULT_MAX_NODES + 1))
    assert isinstance(err.value, ValueError)
    assert "max_nodes=N" in str(err.value) and "max_nodes=None" in str(err.value)
    # n records, and per op: its node, one edge out, one edge in
    assert len(draw_dot(_chain(DEFAULT_MAX_NODES)).body) == 4 * DEFAULT_MAX_NODES - 3


def test_max_nodes_counts_values_exactly():
    loss = lecture_graph()  # seven Values
    assert len(draw_dot(loss, max_nodes=7).body) == 7 + 3 * (1 + 1 + 2)
    with pytest.raises(GraphTooLargeError, match="more than 6 Values"):
        draw_dot(loss, max_nodes=6)
    assert len(draw_dot(_chain(DEFAULT_MAX_NODES + 1), max_nodes=None).body) > DEFAULT_MAX_NODES


def test_a_very_deep_graph_is_refused_without_recursion():
    deep = _chain(200_000)
    with pytest.raises(GraphTooLargeError, match="more than 50 Values"):
        draw_dot(deep, max_nodes=50)
    with pytest.raises(GraphTooLargeError, match="more than 199999 Values"):
        draw_dot(deep, max_nodes=199_999)


class NotAValue:
    data = 1.0


@pytest.mark.parametrize(
    ("root", "named"),
    [
        (None, "NoneType"),
        (1.0, "float"),
        ([Value(1.0), Value(2.0)], "list"),
        (NotAValue(), "NotAValue"),
    ],
)
def test_root_must_be_a_value(root, named):
    with pytest.raises(TypeError, match=rf"draw_dot\(\) takes a neurograd Value.*{named}"):
        draw_dot(root)


def test_a_list_of_outputs_gets_a_hint():
    with pytest.raises(TypeError, match="one at a time"):
        draw_dot([Value(1.0)])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"format": "svgg"}, ValueError, "unknown format 'svgg'"),
        ({"format": "SVG"}, ValueError, "unknown format 'SVG'"),
        ({"format": None}, TypeError, "format must be a string.*None"),
        ({"rankdir": "RL"}, ValueError, "rankdir must be 'LR'.*'TB'.*got 'RL'"),
        ({"rankdir": "lr"}, ValueError, "got 'lr'"),
        ({"rankdir": None}, ValueError, "got None"),
        ({"max_nodes": 0}, ValueError, "max_nodes must be a positive int.*got 0"),
        ({"max_nodes": -5}, ValueError, "got -5"),
        ({"max_nodes": 2.5}, TypeError, "max_nodes must be a positive int.*float 2.5"),
        ({"max_nodes": "10"}, TypeError, "str '10'"),
        ({"max_nodes": True}, TypeError, "bool True"),
        ({"color_by_plugin": "yes"}, TypeError, "color_by_plugin must be True or False"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        draw_dot(lecture_graph(), **kwargs)


def test_importing_neurograd_does_not_import_graphviz():
    code = (
        "import sys, neurograd_core, neurograd_viz\n"
        "from neurograd_core.plugins import commands\n"
        "print(commands()['graph'].provider, 'graphviz' in sys.modules)"
    )
    env = {**os.environ, "NEUROGRAD_STRICT_PLUGINS": ""}  # judge the viz plugin alone
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["viz", "False"]


PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("é∂·中€")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(labels=st.lists(st.text(PRINTABLE, min_size=1, max_size=12), min_size=1, max_size=6))
def test_any_printable_label_renders_as_typed(render_svg, labels):
    """dot trims a label's ends, shows a run of spaces as one, and drops the spaces of a
    record field's opening run of non-ASCII characters and spaces ("é é x" shows as
    "ééx", "0· 0" as typed: Graphviz 2.43's record parser); nothing else may change."""
    values = [Value(float(i), label=label) for i, label in enumerate(labels)]
    root = values[0]
    for value in values[1:]:
        root = root * value
    shown = render_svg(draw_dot(root))
    labelled = sorted(texts[0] for texts in shown.texts.values() if len(texts) == 3)
    expected = [_as_dot_shows(" ".join(label.split())) for label in labels]
    assert labelled == sorted(expected)


def _as_dot_shows(field: str) -> str:
    opening = re.match(r"[^\x00-\x7f][^\x00-\x7f ]*(?: +[^\x00-\x7f]*)*", field)
    if opening is None:
        return field
    return opening[0].replace(" ", "") + field[opening.end() :]
