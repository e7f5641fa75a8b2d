"""No Python exception escapes from inside a bundled op; non-finite results follow IEEE."""

import math

import pytest

from neurograd_core import Value, registry

EXTREMES = [
    0.0,
    -0.0,
    1e-320,
    -1e-320,
    1e308,
    -1e308,
    1000.0,
    -1000.0,
    710.0,
    -745.5,
    math.inf,
    -math.inf,
    math.nan,
]
UNARY = [op.name for op in registry if op.arity == 1 and op.name != "pow"]
BINARY = [op.name for op in registry if op.arity == 2]


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_never_raise(name):
    for x in EXTREMES:
        leaf = Value(x)
        out = getattr(leaf, name)()
        out.backward()
        assert isinstance(out.data, float) and isinstance(leaf.grad, float)


@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_never_raise(name):
    for a in EXTREMES:
        for b in EXTREMES + [2.0, -3.0, 0.5]:
            x, y = Value(a), Value(b)
            out = registry.apply(name, x, y)
            out.backward()
            assert isinstance(out.data, float) and isinstance(x.grad, float)


@pytest.mark.parametrize("exponent", [2, -1, -2, 0.5, 1e10, -1e10, 3])
def test_constant_powers_never_raise(exponent):
    for x in EXTREMES:
        leaf = Value(x)
        (leaf**exponent).backward()


def test_ieee_results_named_in_the_issue():
    assert (1 / Value(0.0)).data == math.inf
    assert Value(0.0).log().data == -math.inf
    assert Value(1000.0).exp().data == math.inf
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).softplus().data == 0.0
    assert Value(1000.0).softplus().data == 1000.0
    assert math.isnan((Value(0.0) / 0.0).data)
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(-0.0) ** -1).data == -math.inf


@pytest.mark.parametrize("name", [op.name for op in registry if op.arity is None])
def test_ops_of_any_number_of_inputs_never_raise(name):
    for a in EXTREMES:
        for b in EXTREMES:
            inputs = [Value(a), Value(b), Value(-2.5)]  # three: dot's pair and bias
            out = registry.apply(name, *inputs)
            out.backward()
            assert isinstance(out.data, float) and all(isinstance(x.grad, float) for x in inputs)
