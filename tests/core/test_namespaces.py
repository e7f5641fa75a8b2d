"""The namespaces an op body runs on: each provides every name of the contract, and
the scalar namespace computes what numpy and PyTorch compute, without raising."""

from __future__ import annotations

import ast
import itertools
import math
import pathlib
import re

import numpy as np
import pytest
import torch

import neurograd_core
from neurograd_core import Value, registry
from neurograd_core.errors import UnknownOpError
from neurograd_core.namespaces import FUNCTIONS, array_namespace
from neurograd_core.namespaces.scalar import NAMESPACE as SCALAR
from neurograd_core.namespaces.scalar import Float
from neurograd_core.namespaces.values import NAMESPACE as VALUES

ROOT = pathlib.Path(__file__).resolve().parents[2]
GRID = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -3.5, 1e-310, 1e308, -1e308, 700.0, -800.0]
GRID += [math.inf, -math.inf, math.nan]
TWO_INPUTS = {"atan2", "floor_divide", "fmod", "hypot", "maximum", "minimum", "equal"}
NAMESPACES = {
    "scalar": SCALAR,
    "numpy": array_namespace("numpy"),
    "torch": array_namespace("torch"),
    "values": VALUES,
}


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_every_namespace_provides_every_contract_name(namespace):
    missing = [
        name for name in FUNCTIONS if not callable(getattr(NAMESPACES[namespace], name, None))
    ]
    assert missing == []


def test_the_plugin_guide_lists_exactly_the_contract_names():
    text = (ROOT / "docs" / "plugins.md").read_text()
    listed = re.search(r"<!-- xp names -->\n(.*?)\n<!-- end -->", text, re.S).group(1)
    assert re.findall(r"`(\w+)`", listed) == list(FUNCTIONS)


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b) or a == 0.0 or b == 0.0:
        return a == b
    return abs(a - b) <= 1e-14 * max(abs(a), abs(b))


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n not in ("where", "equal")])
def test_scalar_functions_agree_with_numpy_and_torch_and_never_raise(name):
    arity = 2 if name in TWO_INPUTS else 1
    points = list(itertools.product(GRID, repeat=arity))
    columns = [np.array(column) for column in zip(*points)]
    with np.errstate(all="ignore"):
        by_numpy = getattr(array_namespace("numpy"), name)(*columns).tolist()
    by_torch = getattr(torch, name)(*[torch.tensor(c) for c in columns]).tolist()
    for point, want_numpy, want_torch in zip(points, by_numpy, by_torch):
        got = getattr(SCALAR, name)(*[Float(x) for x in point])
        assert type(got) is Float
        # numpy and PyTorch disagree on a few of these; the scalar form follows one of them
        assert _same(got, want_torch) or _same(got, want_numpy), (point, got, want_torch)


def test_float_arithmetic_follows_ieee_instead_of_raising():
    one, zero = Float(1.0), Float(0.0)
    assert one / zero == math.inf and math.isnan(zero / zero) and -one / zero == -math.inf
    assert Float(10.0) ** 400 == math.inf and Float(-10.0) ** 401 == -math.inf
    assert math.isnan(one % zero) and Float(7.5) % -2.0 == -0.5  # Python's sign, as torch
    assert Float(2.0) ** Float(-1075.0) == 0.0 and math.isnan(Float(-8.0) ** 0.5)
    assert type(1.0 + one) is Float and type(2 * one) is Float and type(-one) is Float
    assert type(1.0 / zero) is Float and type(3 % Float(2.0)) is Float
    assert (one + 10**400) == math.inf  # an int too large for a float is an infinity here
    # floor division as Python and PyTorch: -5 // inf is -1, inf // 2 is nan, x // 0 is x / 0
    assert Float(-5.0) // math.inf == -1.0 and math.isnan(Float(math.inf) // 2.0)
    assert Float(3.0) // 0.0 == math.inf and Float(7.5) // -2.0 == -4.0


def test_value_namespace_builds_nodes_of_the_registered_ops():
    x = Value(0.5)
    y = VALUES.exp(x) * VALUES.tanh(x)
    assert y.op.name == "mul" and {c.op.name for c in y.children} == {"exp", "tanh"}
    y.backward()
    assert math.isclose(x.grad, math.exp(0.5) * (math.tanh(0.5) + 1 - math.tanh(0.5) ** 2))


def test_value_namespace_choices_and_roundings_need_no_op():
    with registry.isolated():
        for name in ("maximum", "minimum", "floor"):
            registry.unregister(name)
        a, b = Value(2.0), Value(-3.0)
        assert VALUES.where(a > b, a, b) is a and VALUES.maximum(a, b) is a
        assert VALUES.minimum(a, b) is b and VALUES.equal(a, Value(2.0)) is True
        assert VALUES.where(a < b, a, 1.5).data == 1.5
        floor = VALUES.floor(Value(-2.5))
        assert floor.data == -3.0 and floor.children == ()  # zero slope: a constant


def test_value_namespace_prefers_a_registered_op_to_its_fallback():
    a, b = Value(2.0), Value(-3.0)
    bigger = VALUES.maximum(a, b)
    assert bigger.op.name == "maximum" and bigger.children == (a, b)
    assert VALUES.floor(a).op.name == "floor"


def test_value_namespace_names_the_missing_op():
    with registry.isolated():
        registry.unregister("sin")
        with pytest.raises(UnknownOpError, match="xp.sin on Values applies the registered op"):
            VALUES.sin(Value(1.0))


def test_comparisons_on_values_read_data_and_equality_stays_identity():
    a, b = Value(1.0), Value(1.0)
    assert (a < 2, a <= b, a >= b, a > 0.5, 2.0 > a) == (True, True, True, True, True)
    assert a != b and a == a and len({a, b}) == 2
    with pytest.raises(TypeError, match="compares with a Value or a real number, not str"):
        a < "2"  # noqa: B015


def _non_docstring_strings(tree: ast.AST) -> list[str]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_core_holds_no_bundled_op_name():
    found = []
    for path in pathlib.Path(neurograd_core.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        strings = _non_docstring_strings(tree)
        found += [(path.name, s) for s in strings if s in ("add", "mul", "pow")]
        found += [
            (path.name, f"operator.{node.attr}")
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "operator"
            and node.attr in ("add", "mul")
        ]
    assert found == []
