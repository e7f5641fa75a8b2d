"""The bundled elementary ops against PyTorch float64, on a grid of special values and on
random points of each op's domain: values, and gradients with an upstream gradient != 1.

The PyTorch side is written out here, independently of the ops' own ``torch`` fields.
Where PyTorch's float64 result cannot be matched, the test says which and why.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest
import torch
import torch.nn.functional as F

from neurograd_core import Value, functional, registry

INF, NAN = math.inf, math.nan
GRID = [
    0.0, -0.0, INF, -INF, NAN, 5e-324, -5e-324, 2.5e-310, -2.5e-310, 1e-8, -1e-8,
    1e308, -1e308, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 3.0, -3.0, 6.0, 7.0, 20.5, -40.0,
    709.0, 800.0, -1000.0, 1000.0,
]  # fmt: skip
PAIR_GRID = [0.0, -0.0, INF, -INF, NAN, 5e-324, 1e308, -1e308, 1.0, -1.0, 0.5, -2.5, 3.0, 800.0]
UPSTREAM = -1.75

UNARY = {
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "asinh": torch.asinh,
    "acosh": torch.acosh,
    "atanh": torch.atanh,
    "sign": torch.sign,
    "floor": torch.floor,
    "ceil": torch.ceil,
    "round": torch.round,
    "trunc": torch.trunc,
    "erf": torch.erf,
    "erfc": torch.erfc,
    "sinc": torch.sinc,
    "gelu": F.gelu,
    "elu": F.elu,
    "selu": F.selu,
    "celu": F.celu,
    "mish": F.mish,
    "softsign": F.softsign,
    "hardtanh": F.hardtanh,
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "logsigmoid": F.logsigmoid,
    "relu6": F.relu6,
}
BINARY = {
    "atan2": torch.atan2,
    "fmod": torch.fmod,
    "remainder": torch.remainder,
    "minimum": torch.minimum,
    "maximum": torch.maximum,
    "hypot": torch.hypot,
}
WITH_ATTRIBUTES = [
    ("gelu", {"approximate": "tanh"}, lambda t: F.gelu(t, approximate="tanh")),
    ("elu", {"alpha": 0.5}, lambda t: F.elu(t, alpha=0.5)),
    ("celu", {"alpha": 2.0}, lambda t: F.celu(t, alpha=2.0)),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, lambda t: F.hardtanh(t, -2.0, 0.5)),
    ("clamp", {"min": -1.0, "max": 2.5}, lambda t: torch.clamp(t, min=-1.0, max=2.5)),
    ("clamp", {"min": 0.5}, lambda t: torch.clamp(t, min=0.5)),
    ("clamp", {"max": -0.5}, lambda t: torch.clamp(t, max=-0.5)),
    ("clamp", {"min": 1.0, "max": -1.0}, lambda t: torch.clamp(t, min=1.0, max=-1.0)),
]
VARIADIC = {
    "sum": lambda *ts: torch.stack(ts).sum(),
    "mean": lambda *ts: torch.stack(ts).mean(),
    "logsumexp": lambda *ts: torch.logsumexp(torch.stack(ts), dim=0),
    "dot": lambda *ts: (
        torch.dot(torch.stack(ts[0:-1:2]), torch.stack(ts[1:-1:2])) + ts[-1]
        if len(ts) > 1
        else ts[0] + 0.0
    ),
}
# Where the random points are drawn: inside the domain, away from jumps.
DOMAINS = {
    "asin": (-0.999, 0.999),
    "acos": (-0.999, 0.999),
    "atanh": (-0.999, 0.999),
    "acosh": (1.001, 50.0),
}


def _same(ours: float, theirs: float, rel: float) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=rel, abs_tol=1e-300)


def _ours(name: str, point: tuple[float, ...], attrs: dict) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in point]
    out = registry.apply(name, *leaves, **attrs)
    out.backward(UPSTREAM)
    return out.data, [leaf.grad for leaf in leaves]


def _theirs(function, point: tuple[float, ...]) -> tuple[float, list[float]]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = function(*leaves)
    out.backward(torch.tensor(UPSTREAM, dtype=torch.float64))
    return out.item(), [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


def check(name, function, point, attrs=None, rel=1e-12):
    value, grads = _ours(name, point, attrs or {})
    t_value, t_grads = _theirs(function, point)
    assert _same(value, t_value, rel), f"{name}{point}: {value!r}, PyTorch {t_value!r}"
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        assert _same(g, tg, rel), f"{name}{point} gradient {i}: {g!r}, PyTorch {tg!r}"


def _random_points(name: str, arity: int, count: int = 40) -> list[tuple[float, ...]]:
    rng = random.Random(name)
    low, high = DOMAINS.get(name, (-6.0, 6.0))
    return [tuple(rng.uniform(low, high) for _ in range(arity)) for _ in range(count)]


# Relative tolerance per op where libm's erf, exp and tanh and PyTorch's kernels differ in
# the last bits: gelu's gradient is cdf + x * pdf, which cancels in the left tail (at
# x = -5.8 the terms are 1e4 times the result), so there the difference grows to 1e-10.
REL = {"gelu": 1e-9}


def test_every_new_bundled_op_is_covered_here():
    providers = (
        "trigonometric", "hyperbolic", "rounding", "limits", "special",
        "more_activations", "reductions",
    )  # fmt: skip
    bundled = {name for provider in providers for name in registry.ops_from(provider)}
    covered = set(UNARY) | set(BINARY) | set(VARIADIC) | {n for n, _, _ in WITH_ATTRIBUTES}
    assert bundled == covered


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_on_the_special_grid(name):
    for x in GRID:
        check(name, UNARY[name], (x,), rel=REL.get(name, 1e-12))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_at_random_points(name):
    for point in _random_points(name, 1):
        check(name, UNARY[name], point, rel=REL.get(name, 1e-12))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_on_the_special_grid(name):
    for point in itertools.product(PAIR_GRID, repeat=2):
        check(name, BINARY[name], point)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_at_random_points(name):
    for point in _random_points(name, 2):
        check(name, BINARY[name], point)


@pytest.mark.parametrize(
    "name, attrs, function", WITH_ATTRIBUTES, ids=[f"{n}{a}" for n, a, _ in WITH_ATTRIBUTES]
)
def test_op_with_attributes(name, attrs, function):
    for x in GRID + [p for (p,) in _random_points(name, 1)]:
        check(name, function, (x,), attrs, rel=REL.get(name, 1e-12))


@pytest.mark.parametrize("name", sorted(VARIADIC))
@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_variadic_op_on_the_special_grid(name, count):
    if name == "dot" and count % 2 == 0:
        count += 1
    base = _random_points(name, count, 1)[0]
    for value in GRID:
        for i in range(count):
            check(name, VARIADIC[name], base[:i] + (value,) + base[i + 1 :])
        check(name, VARIADIC[name], (value,) * count)


@pytest.mark.parametrize("name", sorted(VARIADIC))
def test_variadic_op_at_random_points(name):
    rng = random.Random(name)
    for count in (1, 3, 5, 9, 17):
        for _ in range(8):
            point = tuple(rng.uniform(-6.0, 6.0) for _ in range(count))
            check(name, VARIADIC[name], point, rel=1e-11)


def test_logsumexp_is_stable_at_plus_and_minus_1000():
    for row in [(1000.0, 1000.0), (-1000.0, -1000.0), (1000.0, -1000.0, 0.0), (-1000.0, 0.0)]:
        check("logsumexp", VARIADIC["logsumexp"], row)
        value, grads = _ours("logsumexp", row, {})
        assert math.isfinite(value) and all(math.isfinite(g) for g in grads)
    assert functional.logsumexp(1000.0, 1000.0).data == 1000.0 + math.log(2.0)


def test_percent_is_remainder_with_pythons_sign_convention():
    for a, b in [(7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (-7.5, -2.0), (5.0, INF), (-5.0, INF)]:
        assert (Value(a) % b).data == a % b
        assert (a % Value(b)).data == a % b
        assert functional.fmod(a, b).data == math.fmod(a, b)
    z = Value(-7.0) % Value(3.0)
    assert z.op.name == "remainder" and z.data == 2.0


def test_maximum_and_minimum_split_ties_evenly_as_pytorch():
    for name in ("maximum", "minimum"):
        check(name, BINARY[name], (1.5, 1.5))
        x = Value(2.0)
        registry.apply(name, x, x).backward()
        assert x.grad == 1.0
