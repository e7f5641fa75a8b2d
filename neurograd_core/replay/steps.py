"""The two kinds of step a replay schedule is made of, each one array call for many nodes.

Values live in two buffers with one row per node: ``BATCH`` rows hold one
column per example (nodes that depend on an input), ``FIXED`` rows a single
column (parameters, constants and what is computed from them alone), which
numpy broadcasts against the batch. Gradients live in two buffers of the same
shapes. A step reads the rows of its nodes' inputs, computes all its nodes at
once into a run of consecutive rows, and in the backward pass adds its
inputs' gradients back; gradients that flow into a ``FIXED`` row are summed
over the batch, which is how a parameter's gradient adds up over examples.
The buffers belong to the replay's backend (numpy or torch); an op step runs
the op's own ``forward``/``backward`` with that library's namespace as ``xp``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurograd_core.replay.backend import Backend
from neurograd_core.replay.rows import FlatRows, RowAdder, backend_index

BATCH, FIXED = 0, 1


class Run:
    """The values, gradients and saved inputs of a forward (and backward) pass.

    A program keeps its ``Run`` from one pass to the next while the batch size
    stays the same: fresh buffers of this size would cost page faults each step.
    """

    def __init__(self, n_rows: tuple[int, int], width: int, n_steps: int, backend: Backend) -> None:
        self.width = width
        self.backend = backend
        self.xp = backend.xp
        shapes = ((n_rows[BATCH], width), (n_rows[FIXED], 1))
        self.values = tuple(backend.empty(shape) for shape in shapes)
        self.grads = tuple(backend.zeros(shape) for shape in shapes)
        self.saved: list[Any] = [None] * n_steps

    def start_backward(self) -> tuple[Any, ...]:
        """The gradient buffers, zeroed."""
        for grads in self.grads:
            grads[...] = 0.0
        return self.grads

    def shaped(self, array: Any, shape: tuple[int, ...]) -> Any:
        """``array`` (or a number an op returned) broadcast to ``shape``."""
        if not hasattr(array, "shape"):
            array = self.backend.asarray(array)
        if tuple(array.shape) != shape:
            array = self.xp.broadcast_to(array, shape)
        return array


class OpStep:
    """``size`` nodes of one op (same attributes), each input read from its own rows."""

    needs_grad = True  # False when no input of any node leads to a parameter

    def __init__(
        self,
        position: int,
        op: Any,
        reads: Sequence[tuple[int, np.ndarray]],
        out: tuple[int, int, int],
        grad_reads: Sequence[int],
        backend: Backend,
    ) -> None:
        self.position = position
        self.name = op.name
        self.attrs = dict(op.attrs)
        self.forward_fn = op.forward
        self.backward_fn = op.backward
        self.out_buffer, start, size = out
        self.out = slice(start, start + size)
        self.size = size
        self.reads = [(buffer, FlatRows(rows, backend)) for buffer, rows in reads]
        self.grad_targets = [(k, *self.reads[k]) for k in grad_reads]

    def forward(self, run: Run) -> None:
        values = run.values
        args = [reader.read(values[buffer]) for buffer, reader in self.reads]
        result = self.forward_fn(run.xp, *args, **self.attrs)
        try:
            values[self.out_buffer][self.out] = result
        except (ValueError, RuntimeError, TypeError) as err:
            raise ValueError(
                f"forward of op {self.name!r} on {run.backend.name} arrays returned "
                f"{type(result).__name__} of shape {getattr(result, 'shape', ())} "
                f"for {self.size} nodes: {err}"
            ) from None
        run.saved[self.position] = args

    def backward(self, run: Run) -> None:
        out_values = run.values[self.out_buffer][self.out]
        grad = run.grads[self.out_buffer][self.out]
        saved = run.saved[self.position]
        grads = self.backward_fn(run.xp, grad, out_values, *saved, **self.attrs)
        if len(grads) != len(self.reads):
            raise ValueError(
                f"backward of op {self.name!r} returned {len(grads)} gradients "
                f"for {len(self.reads)} inputs"
            )
        shape = tuple(out_values.shape)
        for k, buffer, reader in self.grad_targets:
            contribution = run.shaped(grads[k], shape)
            if buffer == FIXED and self.out_buffer == BATCH:
                contribution = contribution.sum(1, keepdims=True)
            reader.add(run.grads[buffer], contribution)


class Pairs:
    """The (weight, input) pairs of ``size`` sums, ``k`` each: a matrix product.

    When every sum reads the same inputs in the same order (the neurons of one
    layer), the pairs are ``W @ X``: weights ``(size, k)`` from ``FIXED`` rows,
    inputs ``(k, width)`` from ``BATCH`` rows. Otherwise each sum has its own
    inputs and numpy multiplies a stack of ``(1, k) @ (k, width)`` products.
    """

    def __init__(self, weight_rows: np.ndarray, input_rows: np.ndarray, backend: Backend) -> None:
        self.size, self.k = weight_rows.shape
        self.weights = FlatRows(weight_rows.ravel(), backend)
        self.shared = bool(np.all(input_rows == input_rows[0]))
        self.inputs = FlatRows(input_rows[0] if self.shared else input_rows.ravel(), backend)

    def forward(self, batch: Any, fixed: Any) -> tuple[Any, ...]:
        """(the products' sums, and the weights and inputs to save for backward)."""
        weights = self.weights.read(fixed).reshape(self.size, self.k)
        inputs = self.inputs.read(batch)
        if self.shared:
            return weights @ inputs, weights, inputs
        inputs = inputs.reshape(self.size, self.k, -1)
        return (weights[:, None, :] @ inputs)[:, 0, :], weights, inputs

    def backward(self, grad: Any, weights: Any, inputs: Any, run: Run, which: tuple) -> None:
        grad_weights, grad_inputs = which
        if grad_weights:
            if self.shared:
                d_weights = grad @ inputs.T
            else:
                d_weights = (inputs @ grad[:, :, None])[:, :, 0]
            self.weights.add(run.grads[FIXED], d_weights.reshape(-1, 1))
        if grad_inputs:
            if self.shared:
                d_inputs = weights.T @ grad
            else:
                d_inputs = (weights[:, :, None] * grad[:, None, :]).reshape(-1, grad.shape[1])
            self.inputs.add(run.grads[BATCH], d_inputs)


class SumStep:
    """``size`` merged sums of the same shape (see ``fusion``): terms, and (weight, input) pairs.

    Plain terms from ``BATCH`` rows are added in order by one sum over an axis,
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
        backend: Backend,
    ) -> None:
        self.position = position
        self.name = "sum" if pairs is None else "sum of products"
        self.out_buffer, start, size = out
        self.out = slice(start, start + size)
        self.size = size
        self.n_batch_terms = batch_rows.shape[1]
        self.n_fixed_terms = fixed_rows.shape[1]
        self.batch_index = backend_index(batch_rows, backend)
        self.fixed_index = backend_index(fixed_rows, backend)
        contiguous = isinstance(self.batch_index, slice) and self.batch_index.step is None
        self.batch_in_place = contiguous and self.n_batch_terms > 0
        grad_batch, grad_fixed, grad_weights, grad_inputs = grads
        self.batch_adder = (
            RowAdder(batch_rows, backend) if grad_batch and self.n_batch_terms else None
        )
        self.fixed_adder = (
            RowAdder(fixed_rows, backend) if grad_fixed and self.n_fixed_terms else None
        )
        self.pairs = None if pairs is None else Pairs(*pairs, backend)
        self.pair_grads = (grad_weights, grad_inputs)

    def forward(self, run: Run) -> None:
        batch, fixed = run.values
        total = None
        if self.n_batch_terms:
            terms = batch[self.batch_index].reshape(self.size, self.n_batch_terms, run.width)
            total = terms.sum(1)
        if self.n_fixed_terms:
            terms = fixed[self.fixed_index].reshape(self.size, self.n_fixed_terms, 1)
            fixed_total = terms.sum(1)
            total = fixed_total if total is None else fixed_total + total
        if self.pairs is not None:
            products, *saved = self.pairs.forward(batch, fixed)
            run.saved[self.position] = saved
            total = products if total is None else total + products
        run.values[self.out_buffer][self.out] = total

    def backward(self, run: Run) -> None:
        grad = run.grads[self.out_buffer][self.out]
        if self.pairs is not None:
            weights, inputs = run.saved[self.position]
            self.pairs.backward(grad, weights, inputs, run, self.pair_grads)
        if self.batch_adder is not None:
            target = run.grads[BATCH]
            width = run.width
            per_term = grad[:, None, :]
            if self.batch_in_place and not self.batch_adder.repeats:
                block = target[self.batch_index].reshape(self.size, self.n_batch_terms, width)
                block += per_term
            else:
                shape = (self.size, self.n_batch_terms, width)
                spread = run.xp.broadcast_to(per_term, shape).reshape(-1, width)
                self.batch_adder.add(target, spread)
        if self.fixed_adder is not None:
            if self.out_buffer == BATCH:
                grad = grad.sum(1, keepdims=True)
            shape = (self.size, self.n_fixed_terms, 1)
            spread = run.xp.broadcast_to(grad[:, None, :], shape).reshape(-1, 1)
            self.fixed_adder.add(run.grads[FIXED], spread)
