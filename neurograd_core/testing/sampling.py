"""Where the conformance checks evaluate an op: sample points, special inputs, numeric slopes.

Points are drawn from a generator seeded with the op's name, so a failure
names inputs that reproduce on every run and every machine.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

from neurograd_core.op import Op

SPAN = 2.5  # sample inputs from [-SPAN, SPAN]
POINTS = 4  # points per op for the gradient checks
MARGIN = 0.05  # no sample closer than this to a declared kink or to the domain's edge
STEP = 1e-6  # central-difference step, relative to max(1, |x|)
NON_FINITE = (math.nan, math.inf, -math.inf)
EXTREMES = (0.0, 1e300, -1e300)
# How many inputs an op of any number of inputs (``arity=None``) is checked with, in the
# order points take them; a count its ``domain`` refuses is skipped.
VARIADIC_COUNTS = (3, 2, 5, 1)
# Where fast forms, arrays and Values must agree with the generic form on floats.
SPECIAL_GRID = (
    0.0, -0.0, math.inf, -math.inf, math.nan,
    5e-324, -5e-324, 2.5e-310, -2.5e-310,  # subnormals
    1e308, -1e308, 1.0, -1.0, 0.5, -2.5, 3.0, 20.5, -40.0, 800.0,
)  # fmt: skip
_TRIES = 2000


class SamplingError(ValueError):
    """No usable sample point could be found for an op."""


def _step(x: float) -> float:
    return STEP * max(1.0, abs(x))


def _usable(op: Op, point: tuple[float, ...]) -> bool:
    """Inside the domain (also one margin away on every side) and away from every kink."""
    if any(abs(x - kink) <= MARGIN for x in point for kink in op.kinks):
        return False
    if op.domain is None:
        return True
    for i in range(len(point)):
        for shift in (-MARGIN, MARGIN):
            moved = point[:i] + (point[i] + shift,) + point[i + 1 :]
            if not op.domain(*moved):
                return False
    return bool(op.domain(*point))


def sample_points(
    op: Op, count: int = POINTS, *, diagonal: bool = False
) -> list[tuple[float, ...]]:
    """``count`` input tuples where ``op`` is differentiable; ``diagonal`` repeats one value.

    A variadic op's points take their number of inputs from ``VARIADIC_COUNTS`` in turn.
    Raises ``SamplingError`` when the domain leaves too little room in [-SPAN, SPAN].
    """
    rng = random.Random(f"{op.name}/{'diagonal' if diagonal else 'points'}")
    points: list[tuple[float, ...]] = []
    for attempt in range(_TRIES):
        n = op.arity or VARIADIC_COUNTS[attempt % len(VARIADIC_COUNTS)]
        if diagonal:
            point = (round(rng.uniform(-SPAN, SPAN), 3),) * n
        else:
            point = tuple(round(rng.uniform(-SPAN, SPAN), 3) for _ in range(n))
        if _usable(op, point):
            points.append(point)
            if len(points) == count:
                return points
    raise SamplingError(
        f"found only {len(points)} of {count} points in [-{SPAN}, {SPAN}] inside the op's "
        f"domain and more than {MARGIN} from its kinks {op.kinks}; widen the domain"
    )


def special_points(op: Op, values: tuple[float, ...]) -> list[tuple[float, ...]]:
    """A regular point with each input in turn replaced by each value, then all inputs at once."""
    base = sample_points(op, 1)[0]
    n = len(base)
    points = [base[:i] + (v,) + base[i + 1 :] for v in values for i in range(n)]
    if n > 1:
        points += [(v,) * n for v in values]
    return points


def grid_points(op: Op) -> list[tuple[float, ...]]:
    """Every combination of ``SPECIAL_GRID`` values (one input each) for ops of up to two
    inputs; for more, the grid on each input in turn with the others at a sample point.
    A variadic op gets all three, for one, two and more inputs (where its domain allows)."""
    if op.arity is None:
        points = [
            point
            for n in (1, 2)
            for point in itertools.product(SPECIAL_GRID, repeat=n)
            if op.domain is None or op.domain(*point)
        ]
        return points + special_points(op, SPECIAL_GRID)
    if op.arity <= 2:
        return list(itertools.product(SPECIAL_GRID, repeat=op.arity))
    return special_points(op, SPECIAL_GRID)


def central_difference(
    forward: Any, point: tuple[float, ...], index: int, attrs: dict[str, Any]
) -> float:
    """d forward / d input ``index`` at ``point``, by central differences."""
    h = _step(point[index])
    up = point[:index] + (point[index] + h,) + point[index + 1 :]
    down = point[:index] + (point[index] - h,) + point[index + 1 :]
    return (forward(*up, **attrs) - forward(*down, **attrs)) / (2 * h)


def diagonal_difference(forward: Any, t: float, arity: int, attrs: dict[str, Any]) -> float:
    """d/dt forward(t, t, ...): the gradient of an op whose inputs are all one value."""
    h = _step(t)
    return (forward(*(t + h,) * arity, **attrs) - forward(*(t - h,) * arity, **attrs)) / (2 * h)
