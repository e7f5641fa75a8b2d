"""Reading and adding into rows of a buffer, by the cheapest indexing that is correct.

A step of the schedule reads the rows of its inputs and adds gradients back
into them. Rows that form a run (``5, 6, 7``) become a slice, which reads as a
view without copying; other rows use an index array, which copies. Adding
into rows that repeat (a value used by several nodes of one step) must sum
the repeats, which plain ``buffer[rows] += x`` would not do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurograd_core.replay.backend import Backend


def as_index(rows: np.ndarray) -> slice | np.ndarray:
    """A slice when ``rows`` is an increasing run with a constant step, else ``rows`` itself."""
    rows = np.asarray(rows, dtype=np.intp).ravel()
    if len(rows) == 1:
        return slice(int(rows[0]), int(rows[0]) + 1)
    steps = np.diff(rows)
    if len(rows) > 1 and steps[0] > 0 and np.all(steps == steps[0]):
        step = int(steps[0])
        return slice(int(rows[0]), int(rows[-1]) + 1, step if step != 1 else None)
    return rows


def backend_index(rows: np.ndarray, backend: Backend) -> Any:
    """``as_index(rows)`` in the backend's terms: slices stay, index arrays are converted."""
    index = as_index(rows)
    return index if isinstance(index, slice) else backend.index(index)


class RowAdder:
    """Adds one row of contributions per entry of ``rows`` into a buffer, summing repeats."""

    def __init__(self, rows: np.ndarray, backend: Backend) -> None:
        rows = np.asarray(rows, dtype=np.intp).ravel()
        self.backend = backend
        self.index = backend_index(rows, backend)
        self.repeats = not isinstance(self.index, slice) and len(np.unique(rows)) < len(rows)
        if self.repeats:
            self.rows = backend.index(rows)
            order = np.argsort(rows, kind="stable")
            ordered = rows[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            counts = np.diff(np.r_[starts, len(rows)])
            # every target repeated equally often: a reshape and a sum, faster than add_at
            self.repeat_count = int(counts[0]) if np.all(counts == counts[0]) else 0
            self.order = backend.index(order)
            self.targets = backend.index(ordered[starts])

    def add(self, buffer: Any, contributions: Any) -> None:
        if not self.repeats:
            buffer[self.index] += contributions
        elif self.repeat_count:
            ordered = contributions[self.order]
            width = ordered.shape[-1]
            summed = ordered.reshape(-1, self.repeat_count, width).sum(1)
            buffer[self.targets] += summed
        else:
            self.backend.add_at(buffer, self.rows, contributions)


class FlatRows:
    """A step's input rows as a flat list: ``(nodes, width)`` arrays."""

    def __init__(self, rows: np.ndarray, backend: Backend) -> None:
        self.index = backend_index(rows, backend)
        self.adder = RowAdder(rows, backend)

    def read(self, buffer: Any) -> Any:
        return buffer[self.index]

    def add(self, buffer: Any, contributions: Any) -> None:
        self.adder.add(buffer, contributions)
