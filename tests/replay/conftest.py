"""Shared pieces of the replay tests: the demo's data and model, and the 1e-12 comparison."""

from __future__ import annotations

import random

import numpy as np
import pytest

from neurograd_nn import MLP
from neurograd_nn.datasets import make_moons


def assert_close(got, expected, rel: float = 1e-12, floor: float = 1e-15) -> None:
    """Equal within ``rel`` relative, NaN matching NaN and infinities matching exactly.

    Gradients are sums in which terms can cancel, leaving an entry much smaller
    than the terms it came from; eager mode's own rounding residue in such an
    entry is about the size of the terms times 1e-16. So an entry may also differ
    by ``floor`` times the array's largest entry.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert np.array_equal(np.isnan(got), np.isnan(expected)), (got, expected)
    special = ~np.isfinite(expected) | ~np.isfinite(got)
    assert np.array_equal(got[special & ~np.isnan(got)], expected[special & ~np.isnan(got)])
    finite = ~special
    if not finite.any():
        return
    g, e = got[finite], expected[finite]
    floor = floor * np.abs(e).max()
    bad = np.abs(g - e) > rel * np.maximum(np.abs(g), np.abs(e)) + floor
    assert not bad.any(), f"differ at {np.flatnonzero(bad)[:5]}: {g[bad][:5]} vs {e[bad][:5]}"


@pytest.fixture(name="assert_close", scope="session")
def assert_close_fixture():
    return assert_close


@pytest.fixture
def moons():
    """micrograd's demo data: 100 moons points, labels -1/+1."""
    X, y = make_moons(100, noise=0.1, random_state=1337)
    return np.asarray(X, dtype=np.float64), np.asarray(y * 2 - 1, dtype=np.float64)


@pytest.fixture
def demo_model():
    random.seed(1337)
    return MLP(2, [16, 16, 1])
