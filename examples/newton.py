"""Newton's method against gradient descent on the Rosenbrock function, with Neurograd's
second derivatives.

    python examples/newton.py

Newton's step solves H d = -g with the Hessian ``H`` from ``neurograd_core.hessian``
and the gradient ``g`` from ``neurograd_core.grad``; gradient descent steps along -g
at a fixed rate just under the stable limit (2 over the Hessian's largest
eigenvalue, about 1000 near the minimum). Both start at the classic (-1.2, 1) and
stop within 1e-6 of the minimum at (1, 1).
"""

from __future__ import annotations

import math

import numpy as np

from neurograd_core import Value, grad, hessian

START, MINIMUM, TOLERANCE = (-1.2, 1.0), (1.0, 1.0), 1e-6
MAX_STEPS = 200_000


def rosenbrock(x: Value, y: Value) -> Value:
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def gradient(point: tuple[float, float]) -> np.ndarray:
    x, y = Value(point[0]), Value(point[1])
    dx, dy = grad(rosenbrock(x, y), [x, y])
    assert dx is not None and dy is not None  # allow_unused is off: both are used
    return np.array([dx.data, dy.data])


def distance(point: tuple[float, float]) -> float:
    return math.dist(point, MINIMUM)


def newton(point: tuple[float, float]) -> tuple[int, tuple[float, float]]:
    steps = 0
    while distance(point) > TOLERANCE and steps < MAX_STEPS:
        step = np.linalg.solve(np.array(hessian(rosenbrock, list(point))), -gradient(point))
        point = (point[0] + step[0], point[1] + step[1])
        steps += 1
    return steps, point


def gradient_descent(point: tuple[float, float], rate: float = 0.001) -> tuple[int, tuple]:
    steps = 0
    while distance(point) > TOLERANCE and steps < MAX_STEPS:
        g = gradient(point)
        point = (point[0] - rate * g[0], point[1] - rate * g[1])
        steps += 1
    return steps, point


def main() -> None:
    for name, method in (("Newton's method", newton), ("gradient descent", gradient_descent)):
        steps, (x, y) = method(START)
        print(f"{name}: {steps} steps to ({x:.8f}, {y:.8f})")


if __name__ == "__main__":
    main()
