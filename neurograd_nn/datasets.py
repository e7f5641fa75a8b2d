"""Toy datasets made in-process from a seed, and a mini-batch iterator. No downloads.

``make_moons`` and ``make_circles`` follow scikit-learn's: for the same
``random_state`` they return the same arrays, so micrograd's demo data is
``make_moons(100, noise=0.1)`` after ``np.random.seed(1337)``. numpy is
imported inside the functions, to keep ``import neurograd_nn`` light.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

RandomState = Any  # numpy.random.RandomState, not imported at module level


def check_random_state(random_state: Any) -> RandomState:
    """scikit-learn's convention: None is numpy's global generator, an int seeds a new one."""
    import numpy as np

    if random_state is None or random_state is np.random:
        return np.random.mtrand._rand
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise TypeError(
        f"random_state must be None, an int or a numpy RandomState, got {random_state!r}"
    )


def _split_counts(n_samples: Any, minimum: int) -> tuple[int, int]:
    """(first class, second class) sizes from an int total or a pair."""
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        if int(n_samples) < minimum:
            raise ValueError(f"n_samples must be at least {minimum}, got {n_samples}")
        total = int(n_samples)
        return total // 2, total - total // 2
    if isinstance(n_samples, tuple) and len(n_samples) == 2:
        first, second = n_samples
        if all(isinstance(n, numbers.Integral) and int(n) >= 0 for n in n_samples):
            return int(first), int(second)
    raise ValueError(f"n_samples must be an int or a pair of counts, got {n_samples!r}")


def _check_noise(noise: Any) -> float | None:
    if noise is None:
        return None
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a number or None, got {noise!r}")
    if not float(noise) >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    return float(noise)


def _finish(points: Any, labels: Any, shuffle: bool, noise: float | None, rng: Any) -> Any:
    """Shuffle (one permutation for both arrays), then add noise: scikit-learn's order."""
    if shuffle:
        import numpy as np

        order = np.arange(len(labels))
        rng.shuffle(order)
        points, labels = points[order], labels[order]
    if noise is not None:
        points = points + rng.normal(scale=noise, size=points.shape)
    return points, labels


def _two_classes(x0: Any, y0: Any, x1: Any, y1: Any) -> Any:
    import numpy as np

    points = np.column_stack([np.concatenate([x0, x1]), np.concatenate([y0, y1])])
    labels = np.concatenate([np.zeros(len(x0), dtype=np.intp), np.ones(len(x1), dtype=np.intp)])
    return points, labels


def make_moons(
    n_samples: int | tuple[int, int] = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: Any = None,
) -> tuple[Any, Any]:
    """Two interleaving half circles: points ``X`` (n, 2) and labels ``y`` of 0 and 1."""
    import numpy as np

    outer, inner = _split_counts(n_samples, minimum=1)
    noise = _check_noise(noise)
    rng = check_random_state(random_state)
    outer_angles = np.linspace(0, np.pi, outer)
    inner_angles = np.linspace(0, np.pi, inner)
    points, labels = _two_classes(
        np.cos(outer_angles),
        np.sin(outer_angles),
        1 - np.cos(inner_angles),
        1 - np.sin(inner_angles) - 0.5,
    )
    return _finish(points, labels, shuffle, noise, rng)


def make_circles(
    n_samples: int | tuple[int, int] = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: Any = None,
    factor: float = 0.8,
) -> tuple[Any, Any]:
    """A large circle (label 0) around a smaller one (label 1) scaled by ``factor``."""
    import numpy as np

    outer, inner = _split_counts(n_samples, minimum=0)
    noise = _check_noise(noise)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(f"factor must be a number, got {factor!r}")
    if not 0 <= factor < 1:
        raise ValueError(f"factor must be in [0, 1), got {factor}")
    rng = check_random_state(random_state)
    outer_angles = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    inner_angles = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    points, labels = _two_classes(
        np.cos(outer_angles),
        np.sin(outer_angles),
        np.cos(inner_angles) * factor,
        np.sin(inner_angles) * factor,
    )
    return _finish(points, labels, shuffle, noise, rng)


def make_spirals(
    n_samples: int | tuple[int, int] = 100,
    *,
    turns: float = 1.5,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: Any = None,
) -> tuple[Any, Any]:
    """Two interleaved spiral arms (labels 0 and 1), the second the first turned by half a turn."""
    import numpy as np

    first, second = _split_counts(n_samples, minimum=1)
    noise = _check_noise(noise)
    if isinstance(turns, bool) or not isinstance(turns, numbers.Real) or not turns > 0:
        raise ValueError(f"turns must be a positive number, got {turns!r}")
    rng = check_random_state(random_state)
    arms = []
    for count, offset in ((first, 0.0), (second, math.pi)):
        radius = np.linspace(0.1, 1.0, count)
        angle = radius * turns * 2 * np.pi + offset
        arms += [radius * np.cos(angle), radius * np.sin(angle)]
    points, labels = _two_classes(*arms)
    return _finish(points, labels, shuffle, noise, rng)


def batches(
    X: Any, y: Any, batch_size: int, *, shuffle: bool = True, random_state: Any = None
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(X_batch, y_batch)`` covering every sample once; the last batch may be smaller."""
    import numpy as np

    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} samples but y has {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.arange(len(y))
    if shuffle:
        check_random_state(random_state).shuffle(order)
    return _batches_in_order(X, y, order, int(batch_size))


def _batches_in_order(X: Any, y: Any, order: Any, batch_size: int) -> Iterator[tuple[Any, Any]]:
    # a separate generator, so that batches() checks its arguments when it is called
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        yield X[chosen], y[chosen]
