"""Array forms for an op that declares no vectorized forward or backward: its scalar form in a loop.

Correct for any op that follows the scalar contract, and much slower than a
numpy form (one Python call per node and example), so the tracer lists every
op that takes this path (``Replay.slow_ops``) and warns about them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from neurograd_core.op import Op


def array_forward(op: Op) -> Callable[..., np.ndarray]:
    """``op.vectorized_forward`` if declared, else the scalar forward applied element by element."""
    if op.vectorized_forward is not None:
        return op.vectorized_forward
    scalar = op.forward

    def forward(*arrays: np.ndarray, **attrs: Any) -> np.ndarray:
        arrays = np.broadcast_arrays(*arrays)
        columns = [a.ravel().tolist() for a in arrays]
        values = [scalar(*point, **attrs) for point in zip(*columns)]
        return np.array(values, dtype=np.float64).reshape(arrays[0].shape)

    return forward


def array_backward(op: Op) -> Callable[..., tuple[np.ndarray, ...]]:
    """``op.vectorized_backward`` if declared, else the scalar backward element by element."""
    if op.vectorized_backward is not None:
        return op.vectorized_backward
    scalar = op.backward

    def backward(grad: np.ndarray, out: np.ndarray, *arrays: np.ndarray, **attrs: Any) -> Any:
        grad, out, *arrays = np.broadcast_arrays(grad, out, *arrays)
        columns = [a.ravel().tolist() for a in (grad, out, *arrays)]
        per_node = [scalar(*point, **attrs) for point in zip(*columns)]
        per_input = np.array(per_node, dtype=np.float64).reshape(len(per_node), len(arrays))
        return tuple(per_input[:, k].reshape(grad.shape) for k in range(len(arrays)))

    return backward


def is_slow(op: Op) -> bool:
    return op.vectorized_forward is None or op.vectorized_backward is None
