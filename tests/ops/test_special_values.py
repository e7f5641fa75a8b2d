"""Every bundled op that declares a PyTorch equivalent, swept over the special-value grid.

Each op runs through the engine (``Value``s, ``backward(gradient)``) on every combination
of ``GRID`` values, one per input, with every upstream gradient of ``UPSTREAM`` and every
attribute set of ``ATTRIBUTES``, and is compared with its ``torch=`` equivalent in float64:
values and gradients must be the same -- nan equals nan, zeros are compared by their sign,
finite numbers agree to ``RELATIVE`` -- unless ``DIFFERENCES`` declares the mismatch with
its reason. The README's table lists the same differences. An op registered later by a
bundled plugin is swept as soon as it declares ``torch=``.

Leaves start at ``.grad = -0.0``, the additive identity of IEEE 754, so that ``.grad`` holds
exactly the gradient the op gave, as a fresh PyTorch leaf does; a fresh ``Value`` starts at
0.0 instead (``test_a_fresh_grad_starts_at_zero``).
"""

from __future__ import annotations

import itertools
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from neurograd_core import Value, registry
from neurograd_core.plugins import plugin_infos

INF, NAN = math.inf, math.nan
SMALLEST_NORMAL = sys.float_info.min
BIGGEST = sys.float_info.max
GRID = (
    0.0, -0.0, INF, -INF, NAN,
    5e-324, -5e-324, 2.5e-310, -2.5e-310, SMALLEST_NORMAL, -SMALLEST_NORMAL,  # subnormals
    1e308, -1e308, BIGGEST, -BIGGEST, 2.0**1023, -(2.0**1023),  # exponents near the top
    1.0, -1.0, 0.5, -0.5, 3.0, -2.5, 20.0, 20.5, -40.0, 800.0, 1e-8,
)  # fmt: skip
UPSTREAM = (1.0, -1.75, 0.0, 1e300, INF, NAN)
EXPONENTS = (
    0, 1, 2, 3, -1, -2, 0.5, -0.5, 1.5, -1.5, 1 / 3, -0.0, 5e-324,
    1e308, -1e308, BIGGEST, -BIGGEST, INF, -INF, NAN,
)  # fmt: skip
# Attribute sets per op: required attributes must be listed here; {} is the defaults.
ATTRIBUTES: dict[str, list[dict]] = {
    "pow": [{"exponent": e} for e in EXPONENTS],
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": 1e300}],
}
RELATIVE = 1e-13  # libm and PyTorch's vectorised kernels differ in the last bits (tanh' 38 ulps)
README = Path(__file__).resolve().parents[2] / "README.md"


@dataclass(frozen=True)
class Mismatch:
    op: str
    inputs: tuple[float, ...]
    attrs: dict
    upstream: float
    what: str  # "value", or "gradient of input i"
    ours: float
    theirs: float

    def __str__(self) -> str:
        attrs = "".join(f", {k}={v!r}" for k, v in self.attrs.items())
        return (
            f"{self.op}{self.inputs}{attrs}, upstream {self.upstream}: {self.what} is "
            f"{self.ours!r}, PyTorch {self.theirs!r}"
        )


@dataclass(frozen=True)
class Difference:
    """A difference from PyTorch kept on purpose; its README row shows ``op`` and ``where``."""

    op: str
    where: str
    covers: Callable[[Mismatch], bool]
    reason: str


def _softplus_overflow(m: Mismatch) -> bool:
    x = m.inputs[0]
    return (
        m.what == "gradient of input 0"
        and x <= 20.0
        and math.isfinite(m.ours)
        and math.isinf(abs(m.upstream) * math.exp(x))
    )


def _log1p_subnormal(m: Mismatch) -> bool:
    x = m.inputs[0]
    return m.what == "value" and 0.0 < abs(x) < SMALLEST_NORMAL and m.ours == x and m.theirs == 0


DIFFERENCES = (
    Difference(
        "softplus",
        "gradient at x ≤ 20 where upstream · eˣ overflows",
        _softplus_overflow,
        "PyTorch computes upstream · eˣ / (eˣ + 1), which overflows to inf; Neurograd "
        "multiplies by sigmoid(x) and gives the finite, more accurate result",
    ),
    Difference(
        "log1p",
        "value at the smallest subnormals (±5e-324)",
        _log1p_subnormal,
        "PyTorch's kernel gives 0.0; Neurograd gives x, the correctly rounded log1p(x)",
    ),
)


def same(ours: float, theirs: float) -> bool:
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    if ours == 0.0 or theirs == 0.0 or math.isinf(ours) or math.isinf(theirs):
        return ours == theirs and math.copysign(1.0, ours) == math.copysign(1.0, theirs)
    return math.isclose(ours, theirs, rel_tol=RELATIVE, abs_tol=0.0)


def neurograd(op, inputs, attrs, upstream):
    leaves = [Value(x) for x in inputs]
    for leaf in leaves:
        leaf.grad = -0.0
    out = registry.apply(op.name, *leaves, **attrs)
    out.backward(upstream)
    return (out.data, *[leaf.grad for leaf in leaves])


def pytorch(op, inputs, attrs, upstream):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = op.torch(*leaves, **attrs)
    out.backward(torch.tensor(upstream, dtype=torch.float64))
    return (out.item(), *[0.0 if t.grad is None else t.grad.item() for t in leaves])


def mismatches(op) -> list[Mismatch]:
    found = []
    for attrs in ATTRIBUTES.get(op.name, [{}]):
        # an op of any number of inputs (arity None) is swept at two (dot, at three: its
        # weight-input pairs and a bias), three inputs over every third value of the grid
        count = op.arity or (3 if op.name == "dot" else 2)
        for inputs in itertools.product(GRID if count <= 2 else GRID[::3], repeat=count):
            for upstream in UPSTREAM:
                ours = neurograd(op, inputs, attrs, upstream)
                theirs = pytorch(op, inputs, attrs, upstream)
                for i, (a, b) in enumerate(zip(ours, theirs)):
                    if not same(a, b):
                        what = "value" if i == 0 else f"gradient of input {i - 1}"
                        found.append(Mismatch(op.name, inputs, attrs, upstream, what, a, b))
    return found


def bundled_ops():
    bundled = {info.name for info in plugin_infos() if info.bundled}
    return [op for op in registry if op.provider in bundled and op.torch is not None]


def test_the_sweep_covers_the_bundled_ops():
    names = {op.name for op in bundled_ops()}
    assert {"add", "mul", "div", "pow", "power", "relu", "tanh", "log1p", "exp2"} <= names


@pytest.mark.parametrize("op", bundled_ops(), ids=lambda op: op.name)
def test_op_matches_pytorch_on_special_values(op):
    missing = [a for a in op.required_attrs if not any(a in s for s in ATTRIBUTES.get(op.name, []))]
    assert not missing, f"op {op.name!r} needs {missing}: list attribute sets in ATTRIBUTES"
    declared = [d for d in DIFFERENCES if d.op == op.name]
    unexplained, explained = [], {d.where: 0 for d in declared}
    for m in mismatches(op):
        covering = [d for d in declared if d.covers(m)]
        if covering:
            explained[covering[0].where] += 1
        else:
            unexplained.append(m)
    shown = "\n".join(str(m) for m in unexplained[:20])
    assert not unexplained, f"{len(unexplained)} differences from PyTorch:\n{shown}"
    stale = [where for where, count in explained.items() if count == 0]
    assert not stale, f"declared differences of {op.name!r} no longer seen: {stale}"


def readme_differences() -> set[tuple[str, str]]:
    """(op, where) of each row of the README's table of differences from PyTorch."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Differences from PyTorch", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", section, flags=re.MULTILINE)
    return {(op, where.strip()) for op, where in rows}


FRESH_GRAD = ("Value", "`.grad` of a fresh leaf whose only gradient is -0.0")


def test_the_readme_lists_exactly_the_declared_differences():
    assert readme_differences() == {(d.op, d.where) for d in DIFFERENCES} | {FRESH_GRAD}


def test_a_fresh_grad_starts_at_zero():
    """The README's row for ``Value``: .grad starts at 0.0 (micrograd's, and PyTorch's after
    zero_grad(set_to_none=False)), and 0.0 + -0.0 is 0.0, where a fresh PyTorch leaf holds
    the -0.0 it was given."""
    x = Value(-INF)
    x.exp().backward(-1.75)
    t = torch.tensor(-INF, dtype=torch.float64, requires_grad=True)
    t.exp().backward(torch.tensor(-1.75, dtype=torch.float64))
    assert math.copysign(1.0, x.grad) == 1.0 and math.copysign(1.0, t.grad.item()) == -1.0
    t.grad = torch.zeros((), dtype=torch.float64)  # PyTorch after zero_grad(set_to_none=False)
    t.exp().backward(torch.tensor(-1.75, dtype=torch.float64))
    assert math.copysign(1.0, t.grad.item()) == 1.0
