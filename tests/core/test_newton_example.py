"""examples/newton.py: Newton's method with Neurograd's Hessian beats gradient descent."""

from __future__ import annotations

import importlib.util
import math
import pathlib
import re
import subprocess
import sys

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "newton.py"


def _module():
    spec = importlib.util.spec_from_file_location("newton_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_newtons_first_step_is_the_analytic_one():
    newton = _module()
    x, y = newton.START
    g = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    h = np.array([[2 - 400 * y + 1200 * x * x, -400 * x], [-400 * x, 200.0]])
    want = np.array(newton.START) + np.linalg.solve(h, -g)
    newton.MAX_STEPS = 1
    _, got = newton.newton(newton.START)
    assert np.allclose(got, want, rtol=1e-12)


def test_the_example_prints_both_step_counts_and_newton_needs_fewer():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True, timeout=300
    )
    rows = re.findall(r"^(.+): (\d+) steps to \((\S+), (\S+)\)$", result.stdout, re.M)
    found = {name: (int(steps), float(x), float(y)) for name, steps, x, y in rows}
    newton_steps, *newton_at = found["Newton's method"]
    descent_steps, *descent_at = found["gradient descent"]
    assert newton_steps < descent_steps < 200_000  # both converged, Newton far sooner
    assert math.dist(newton_at, (1.0, 1.0)) < 1e-6 and math.dist(descent_at, (1.0, 1.0)) < 1e-5
