"""Every bundled op against PyTorch float64: values and gradients, edge points included.

The PyTorch side is written out here, independently of the ops' own ``torch`` fields.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from neurograd_core import Value, functional

INF, NAN = math.inf, math.nan
UNARY_POINTS = [
    -1000.0,
    -20.5,
    -3.7,
    -1.0,
    -1e-8,
    0.0,
    1e-8,
    0.3,
    1.0,
    2.5,
    20.5,
    709.0,
    1000.0,
    INF,
    -INF,
    NAN,
]
PAIR_POINTS = [
    (1.5, 2.0),
    (-3.0, 0.5),
    (0.0, 0.0),
    (2.0, 0.0),
    (-2.0, 0.0),
    (0.0, -1.0),
    (1e308, 10.0),
    (1e-300, 1e-300),
    (-8.0, 1 / 3),
    (-8.0, 3.0),
    (0.0, 2.5),
    (INF, 1.0),
    (INF, -INF),
    (NAN, 1.0),
    (4.0, -0.5),
]

TORCH_UNARY = {
    "relu": torch.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": F.softplus,
    "silu": F.silu,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "neg": torch.neg,
}
TORCH_BINARY = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "power": torch.pow,
}


def same(ours, theirs, rel=1e-9):
    """Equal as PyTorch results go: both NaN, or the same infinity, or close."""
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=rel, abs_tol=1e-300)


def torch_value_and_grads(fn, *points, upstream=1.0):
    leaves = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in points]
    out = fn(*leaves)
    out.backward(torch.tensor(upstream, dtype=torch.float64))
    return out.item(), [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


def neurograd_value_and_grads(fn, *points, upstream=1.0):
    leaves = [Value(p) for p in points]
    out = fn(*leaves)
    out.backward(upstream)
    return out.data, [leaf.grad for leaf in leaves]


def check(ours_fn, torch_fn, *points, upstream=1.0):
    value, grads = neurograd_value_and_grads(ours_fn, *points, upstream=upstream)
    t_value, t_grads = torch_value_and_grads(torch_fn, *points, upstream=upstream)
    assert same(value, t_value), f"value at {points}: {value} vs PyTorch {t_value}"
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        assert same(g, tg), f"gradient {i} at {points}: {g} vs PyTorch {tg}"


def test_every_bundled_op_is_covered_here():
    from neurograd_core import registry

    bundled = set(registry.ops_from("arithmetic")) | set(registry.ops_from("activations"))
    assert bundled == set(TORCH_UNARY) | set(TORCH_BINARY) | {"pow"}


@pytest.mark.parametrize("name", sorted(TORCH_UNARY))
@pytest.mark.parametrize("x", UNARY_POINTS)
def test_unary_op_matches_pytorch(name, x):
    check(getattr(functional, name), TORCH_UNARY[name], x, upstream=-1.75)


@pytest.mark.parametrize("name", sorted(TORCH_BINARY))
@pytest.mark.parametrize("a, b", PAIR_POINTS)
def test_binary_op_matches_pytorch(name, a, b):
    check(getattr(functional, name), TORCH_BINARY[name], a, b, upstream=0.5)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -0.5, -1, -2.5, 0, 1, 1 / 3])
# -0.0 and -inf: PyTorch's x**±0.5 are (reciprocal) square roots there, not C99 pow
@pytest.mark.parametrize("x", [-2.0, 0.0, -0.0, 0.7, 3.0, 1e200, -1e200, INF, -INF, NAN])
def test_constant_exponent_matches_pytorch(x, exponent):
    check(lambda v: v**exponent, lambda t: t**exponent, x)


@pytest.mark.parametrize("slope", [0.2, 0.0, 1.5])
@pytest.mark.parametrize("x", [-3.0, 0.0, 2.0])
def test_leaky_relu_slope_attribute_matches_pytorch(x, slope):
    check(lambda v: v.leaky_relu(negative_slope=slope), lambda t: F.leaky_relu(t, slope), x)


def test_gradients_at_kinks_follow_pytorch():
    check(lambda v: v.relu(), torch.relu, 0.0)
    assert neurograd_value_and_grads(lambda v: v.relu(), 0.0)[1] == [0.0]
    assert neurograd_value_and_grads(lambda v: v.abs(), 0.0)[1] == [0.0]
