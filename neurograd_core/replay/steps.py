"""The two kinds of step a replay schedule is made of, each one numpy call for many nodes.

Values live in two buffers with one row per node: ``BATCH`` rows hold one
column per example (nodes that depend on an input), ``FIXED`` rows a single
column (parameters, constants and what is computed from them alone), which
numpy broadcasts against the batch. Gradients live in two buffers of the same
shapes. A step reads the rows of its nodes' inputs, computes all its nodes at
once into a run of consecutive rows, and in the backward pass adds its
inputs' gradients back; gradients that flow into a ``FIXED`` row are summed
over the batch, which is how a parameter's gradient adds up over examples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurograd_core.replay.rows import RowAdder, as_index

BATCH, FIXED = 0, 1


class Run:
    """The values, gradients and saved inputs of one forward (and backward) pass."""

    def __init__(self, n_rows: tuple[int, int], width: int, n_steps: int) -> None:
        self.width = width
        self.values = (np.empty((n_rows[BATCH], width)), np.empty((n_rows[FIXED], 1)))
        self.grads: tuple[np.ndarray, np.ndarray] | None = None
        self.saved: list[Any] = [None] * n_steps

    def start_backward(self) -> tuple[np.ndarray, np.ndarray]:
        self.grads = (np.zeros_like(self.values[BATCH]), np.zeros_like(self.values[FIXED]))
        return self.grads


def _summed_over_batch(grad: Any, shape: tuple[int, ...]) -> np.ndarray:
    if np.shape(grad) != shape:
        grad = np.broadcast_to(grad, shape)
    return grad.sum(axis=1, keepdims=True)


class OpStep:
    """``size`` nodes of one op (same attributes), their inputs read from fixed rows."""

    needs_grad = True  # False when no input of any node leads to a parameter

    def __init__(
        self,
        position: int,
        op: Any,
        forward: Callable[..., Any],
        backward: Callable[..., Any],
        reads: Sequence[tuple[int, np.ndarray]],
        out: tuple[int, int, int],
        grad_reads: Sequence[int],
    ) -> None:
        self.position = position
        self.name = op.name
        self.attrs = dict(op.attrs)
        self.forward_fn = forward
        self.backward_fn = backward
        self.reads = [(buffer, as_index(rows)) for buffer, rows in reads]
        self.out_buffer, start, size = out
        self.out = slice(start, start + size)
        self.size = size
        self.grad_targets = [(k, reads[k][0], RowAdder(reads[k][1])) for k in grad_reads]

    def forward(self, run: Run) -> None:
        values = run.values
        args = [values[buffer][index] for buffer, index in self.reads]
        result = self.forward_fn(*args, **self.attrs)
        try:
            values[self.out_buffer][self.out] = result
        except ValueError as err:
            raise ValueError(
                f"vectorized forward of op {self.name!r} returned shape {np.shape(result)} "
                f"for {self.size} nodes: {err}"
            ) from None
        run.saved[self.position] = args

    def backward(self, run: Run) -> None:
        assert run.grads is not None
        out_values = run.values[self.out_buffer][self.out]
        grad = run.grads[self.out_buffer][self.out]
        grads = self.backward_fn(grad, out_values, *run.saved[self.position], **self.attrs)
        if len(grads) != len(self.reads):
            raise ValueError(
                f"vectorized backward of op {self.name!r} returned {len(grads)} gradients "
                f"for {len(self.reads)} inputs"
            )
        shape = out_values.shape
        for k, buffer, adder in self.grad_targets:
            contribution = grads[k]
            if buffer == FIXED and self.out_buffer == BATCH:
                contribution = _summed_over_batch(contribution, shape)
            elif np.shape(contribution) != shape:
                contribution = np.broadcast_to(contribution, shape)
            adder.add(run.grads[buffer], contribution)


class SumStep:
    """``size`` merged addition chains with the same number of terms (see ``fusion``).

    The terms from ``BATCH`` rows are added in chain order by one ``np.add.reduce``;
    terms from ``FIXED`` rows (a bias) are added to that sum afterwards, so a chain
    that starts with a bias is rounded in a different order than eager mode's
    (a difference of about one unit in the last place).
    """

    needs_grad = True

    def __init__(
        self,
        position: int,
        batch_rows: np.ndarray,
        fixed_rows: np.ndarray,
        out: tuple[int, int, int],
        grad_batch: bool,
        grad_fixed: bool,
    ) -> None:
        self.position = position
        self.name = "add"
        self.out_buffer, start, size = out
        self.out = slice(start, start + size)
        self.size = size
        self.n_batch_terms = batch_rows.shape[1]
        self.n_fixed_terms = fixed_rows.shape[1]
        self.batch_index = as_index(batch_rows)
        self.fixed_index = as_index(fixed_rows)
        contiguous = isinstance(self.batch_index, slice) and self.batch_index.step is None
        self.batch_in_place = contiguous and self.n_batch_terms > 0
        self.batch_adder = RowAdder(batch_rows) if grad_batch and self.n_batch_terms else None
        self.fixed_adder = RowAdder(fixed_rows) if grad_fixed and self.n_fixed_terms else None

    def forward(self, run: Run) -> None:
        batch, fixed = run.values
        total = None
        if self.n_batch_terms:
            terms = batch[self.batch_index].reshape(self.size, self.n_batch_terms, run.width)
            total = np.add.reduce(terms, axis=1)
        if self.n_fixed_terms:
            terms = fixed[self.fixed_index].reshape(self.size, self.n_fixed_terms, 1)
            fixed_total = np.add.reduce(terms, axis=1)
            total = fixed_total if total is None else fixed_total + total
        run.values[self.out_buffer][self.out] = total

    def backward(self, run: Run) -> None:
        assert run.grads is not None
        grad = run.grads[self.out_buffer][self.out]
        if self.batch_adder is not None:
            target = run.grads[BATCH]
            width = run.width
            per_term = grad[:, None, :]
            if self.batch_in_place and not self.batch_adder.repeats:
                block = target[self.batch_index].reshape(self.size, self.n_batch_terms, width)
                block += per_term
            else:
                shape = (self.size, self.n_batch_terms, width)
                spread = np.broadcast_to(per_term, shape).reshape(-1, width)
                self.batch_adder.add(target, spread)
        if self.fixed_adder is not None:
            if self.out_buffer == BATCH:
                grad = grad.sum(axis=1, keepdims=True)
            shape = (self.size, self.n_fixed_terms, 1)
            spread = np.broadcast_to(grad[:, None, :], shape).reshape(-1, 1)
            self.fixed_adder.add(run.grads[FIXED], spread)
