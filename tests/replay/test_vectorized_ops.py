"""Every bundled op's numpy form gives the scalar form's values and gradients, specials included.

The scalar forms are themselves checked against PyTorch in tests/ops; here the
array forms must agree with them element by element, IEEE specials included.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from neurograd_core import registry

BUNDLED = ["add", "sub", "mul", "div", "neg", "pow", "power", "relu", "leaky_relu", "tanh"]
BUNDLED += ["sigmoid", "softplus", "silu", "exp", "log", "sqrt", "abs"]
SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 19.5, 20.5, 30.0, -40.0, 800.0, -800.0]
SPECIALS += [1e-300, math.inf, -math.inf, math.nan]
ATTRS = {"pow": [{"exponent": e} for e in (2, 3, 0, -1, 0.5, -1.5, 1e10)]}
ATTRS["leaky_relu"] = [{}, {"negative_slope": 0.2}]


def same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b) or a == 0.0 or b == 0.0:
        return a == b
    return abs(a - b) <= 1e-14 * max(abs(a), abs(b))


def cases(op):
    points = list(itertools.product(SPECIALS, repeat=op.arity))
    for attrs in ATTRS.get(op.name, [{}]):
        yield attrs, points


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_op_declares_both_forms(name):
    op = registry.get(name)
    assert callable(op.vectorized_forward) and callable(op.vectorized_backward)


@pytest.mark.parametrize("name", BUNDLED)
def test_array_forms_agree_with_scalar_forms(name):
    op = registry.get(name)
    for attrs, points in cases(op):
        columns = [np.array(column) for column in zip(*points)]
        out = np.asarray(op.vectorized_forward(*columns, **attrs))
        grad = np.linspace(-1.5, 2.0, len(points))
        with np.errstate(all="raise"):  # the op must silence its own warnings
            grads = op.vectorized_backward(grad, out, *columns, **attrs)
        assert len(grads) == op.arity
        for i, point in enumerate(points):
            expected = op.forward(*point, **attrs)  # Python floats: the scalar path
            assert same(out[i], expected), (name, attrs, point, out[i], expected)
            scalar = op.backward(float(grad[i]), expected, *point, **attrs)
            for k in range(op.arity):
                got = np.broadcast_to(grads[k], out.shape)[i]
                assert same(got, scalar[k]), (name, attrs, point, k, got, scalar[k])


@pytest.mark.parametrize("name", BUNDLED)
def test_array_forms_raise_no_numpy_warning(name):
    op = registry.get(name)
    for attrs, points in cases(op):
        columns = [np.array(column) for column in zip(*points)]
        with np.errstate(all="raise"):  # a warning left unsilenced raises here
            out = op.vectorized_forward(*columns, **attrs)
            grads = op.vectorized_backward(np.ones_like(out), out, *columns, **attrs)
        assert np.shape(out) == (len(points),)
        assert all(np.shape(g) == (len(points),) for g in grads)
