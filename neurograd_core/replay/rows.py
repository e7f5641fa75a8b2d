"""Reading and adding into rows of a buffer, by the cheapest numpy indexing that is correct.

A step of the schedule reads the rows of its inputs and adds gradients back
into them. Rows that form a run (``5, 6, 7``) become a slice, which numpy
reads as a view without copying; other rows use an index array, which copies.
Adding into rows that repeat (a value used by several nodes of one step) must
sum the repeats, which plain ``buffer[rows] += x`` would not do.
"""

from __future__ import annotations

from typing import Any

import numpy as np


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


class RowAdder:
    """Adds one row of contributions per entry of ``rows`` into a buffer, summing repeats."""

    def __init__(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.intp).ravel()
        self.index = as_index(rows)
        self.repeats = isinstance(self.index, np.ndarray) and len(np.unique(rows)) < len(rows)
        if self.repeats:
            self.order = np.argsort(rows, kind="stable")
            ordered = rows[self.order]
            self.starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            self.targets = ordered[self.starts]
            counts = np.diff(np.r_[self.starts, len(rows)])
            # every target repeated equally often: a reshape and a sum, faster than reduceat
            self.repeat_count = int(counts[0]) if np.all(counts == counts[0]) else 0

    def add(self, buffer: np.ndarray, contributions: Any) -> None:
        if self.repeats:
            ordered = contributions[self.order]
            if self.repeat_count:
                width = ordered.shape[-1]
                summed = ordered.reshape(len(self.targets), self.repeat_count, width).sum(axis=1)
            else:
                summed = np.add.reduceat(ordered, self.starts, axis=0)
            buffer[self.targets] += summed
        else:
            buffer[self.index] += contributions


class FlatRows:
    """A step's input rows as a flat list: ``(nodes, width)`` arrays."""

    def __init__(self, rows: np.ndarray) -> None:
        self.index = as_index(rows)
        self.adder = RowAdder(rows)

    def read(self, buffer: np.ndarray) -> np.ndarray:
        return buffer[self.index]

    def add(self, buffer: np.ndarray, contributions: Any) -> None:
        self.adder.add(buffer, contributions)
