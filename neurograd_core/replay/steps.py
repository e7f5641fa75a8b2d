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

from neurograd_core.replay.rows import FlatRows, RowAdder, as_index

BATCH, FIXED = 0, 1


class Run:
    """The values, gradients and saved inputs of a forward (and backward) pass.

    A program keeps its ``Run`` from one pass to the next while the batch size
    stays the same: fresh buffers of this size would cost page faults each step.
    """

    def __init__(self, n_rows: tuple[int, int], width: int, n_steps: int) -> None:
        self.width = width
        self.values = (np.empty((n_rows[BATCH], width)), np.empty((n_rows[FIXED], 1)))
        self.grads = (np.zeros_like(self.values[BATCH]), np.zeros_like(self.values[FIXED]))
        self.saved: list[Any] = [None] * n_steps

    def start_backward(self) -> tuple[np.ndarray, np.ndarray]:
        """The gradient buffers, zeroed."""
        for grads in self.grads:
            grads.fill(0.0)
        return self.grads


def _summed_over_batch(grad: Any, shape: tuple[int, ...]) -> np.ndarray:
    if np.shape(grad) != shape:
        grad = np.broadcast_to(grad, shape)
    return grad.sum(axis=1, keepdims=True)


class OpStep:
    """``size`` nodes of one op (same attributes), each input read from its own rows."""

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
        self.out_buffer, start, size = out
        self.out = slice(start, start + size)
        self.size = size
        self.reads = [(buffer, FlatRows(rows)) for buffer, rows in reads]
        self.grad_targets = [(k, *self.reads[k]) for k in grad_reads]

    def forward(self, run: Run) -> None:
        values = run.values
        args = [reader.read(values[buffer]) for buffer, reader in self.reads]
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
        out_values = run.values[self.out_buffer][self.out]
        grad = run.grads[self.out_buffer][self.out]
        grads = self.backward_fn(grad, out_values, *run.saved[self.position], **self.attrs)
        if len(grads) != len(self.reads):
            raise ValueError(
                f"vectorized backward of op {self.name!r} returned {len(grads)} gradients "
                f"for {len(self.reads)} inputs"
            )
        shape = out_values.shape
        for k, buffer, reader in self.grad_targets:
            contribution = grads[k]
            if buffer == FIXED and self.out_buffer == BATCH:
                contribution = _summed_over_batch(contribution, shape)
            elif np.shape(contribution) != shape:
                contribution = np.broadcast_to(contribution, shape)
            reader.add(run.grads[buffer], contribution)


class Pairs:
    """The (weight, input) pairs of ``size`` sums, ``k`` each: a matrix product.

    When every sum reads the same inputs in the same order (the neurons of one
    layer), the pairs are ``W @ X``: weights ``(size, k)`` from ``FIXED`` rows,
    inputs ``(k, width)`` from ``BATCH`` rows. Otherwise each sum has its own
    inputs and numpy multiplies a stack of ``(1, k) @ (k, width)`` products.
    """

    def __init__(self, weight_rows: np.ndarray, input_rows: np.ndarray) -> None:
        self.size, self.k = weight_rows.shape
        self.weights = FlatRows(weight_rows.ravel())
        self.shared = bool(np.all(input_rows == input_rows[0]))
        self.inputs = FlatRows(input_rows[0] if self.shared else input_rows.ravel())

    def forward(self, batch: np.ndarray, fixed: np.ndarray) -> tuple[np.ndarray, ...]:
        """(the products' sums, and the weights and inputs to save for backward)."""
        weights = self.weights.read(fixed).reshape(self.size, self.k)
        inputs = self.inputs.read(batch)
        if self.shared:
            return weights @ inputs, weights, inputs
        inputs = inputs.reshape(self.size, self.k, -1)
        return np.matmul(weights[:, None, :], inputs)[:, 0, :], weights, inputs

    def backward(
        self, grad: np.ndarray, weights: np.ndarray, inputs: np.ndarray, run: Run, which: tuple
    ) -> None:
        grad_weights, grad_inputs = which
        if grad_weights:
            if self.shared:
                d_weights = grad @ inputs.T
            else:
                d_weights = np.matmul(inputs, grad[:, :, None])[:, :, 0]
            self.weights.add(run.grads[FIXED], d_weights.reshape(-1, 1))
        if grad_inputs:
            if self.shared:
                d_inputs = weights.T @ grad
            else:
                d_inputs = (weights[:, :, None] * grad[:, None, :]).reshape(-1, grad.shape[1])
            self.inputs.add(run.grads[BATCH], d_inputs)


class SumStep:
    """``size`` merged sums of the same shape (see ``fusion``): terms, and (weight, input) pairs.

    Plain terms from ``BATCH`` rows are added in order by one ``np.add.reduce``,
    terms from ``FIXED`` rows (a bias) and the pairs' matrix product are added to
    that: rounding differs from eager mode's left-to-right additions by a few
    units in the last place.
    """

    needs_grad = True

    def __init__(
        self,
        position: int,
        batch_rows: np.ndarray,
        fixed_rows: np.ndarray,
        pairs: tuple[np.ndarray, np.ndarray] | None,
        out: tuple[int, int, int],
        grads: tuple[bool, bool, bool, bool],
    ) -> None:
        self.position = position
        self.name = "add" if pairs is None else "add of products"
        self.out_buffer, start, size = out
        self.out = slice(start, start + size)
        self.size = size
        self.n_batch_terms = batch_rows.shape[1]
        self.n_fixed_terms = fixed_rows.shape[1]
        self.batch_index = as_index(batch_rows)
        self.fixed_index = as_index(fixed_rows)
        contiguous = isinstance(self.batch_index, slice) and self.batch_index.step is None
        self.batch_in_place = contiguous and self.n_batch_terms > 0
        grad_batch, grad_fixed, grad_weights, grad_inputs = grads
        self.batch_adder = RowAdder(batch_rows) if grad_batch and self.n_batch_terms else None
        self.fixed_adder = RowAdder(fixed_rows) if grad_fixed and self.n_fixed_terms else None
        self.pairs = None if pairs is None else Pairs(*pairs)
        self.pair_grads = (grad_weights, grad_inputs)

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
        if self.pairs is not None:
            products, *saved = self.pairs.forward(batch, fixed)
            run.saved[self.position] = saved
            total = products if total is None else total + products
        run.values[self.out_buffer][self.out] = total

    def backward(self, run: Run) -> None:
        grad = run.grads[self.out_buffer][self.out]
        if self.pairs is not None:
            self.pairs.backward(grad, *run.saved[self.position], run, self.pair_grads)
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
