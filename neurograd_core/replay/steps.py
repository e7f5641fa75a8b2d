"""Stage 3, run: the steps a ``Schedule`` runs on arrays, and the array libraries under them.

Every group of the schedule becomes one step: an ``OpStep`` calls its op's own
``forward``/``backward`` once for all its nodes, with the array library's
namespace (array-api-compat) as ``xp``; a ``SumStep`` adds merged sums and
their (weight, input) pairs as matrix products. A step reads its inputs' rows
of the ``Buffers``, writes its nodes' rows, and in the backward pass adds its
inputs' gradients back; a gradient that flows into a ``FIXED`` row is summed
over the batch, which is how a parameter's gradient adds up over examples.

The buffers belong to a backend: numpy (the default) or PyTorch, behind the few
operations below that differ between them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurograd_core.namespaces import BACKENDS, array_namespace
from neurograd_core.replay.schedule import BATCH, FIXED, Group, Read, Row, Rows, SumKind

INF = float("inf")

# -- backends -------------------------------------------------------------------------------


class NumpyBackend:
    name = "numpy"
    device = None

    def __init__(self) -> None:
        self.xp = array_namespace("numpy")

    def asarray(self, data: Any) -> np.ndarray:
        if hasattr(data, "detach"):  # a torch tensor
            data = data.detach().cpu().numpy()
        return np.asarray(data, dtype=np.float64)

    def index(self, rows: np.ndarray) -> np.ndarray:
        return rows

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.empty(shape)

    def zero(self, array: np.ndarray) -> None:
        array.fill(0.0)

    def sum_columns(self, array: np.ndarray) -> np.ndarray:
        """Each row's sum, as a column: over the examples of a batch."""
        return _add_reduce(array, 1, keepdims=True)  # ndarray.sum adds a Python call

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape)

    def copy(self, array: np.ndarray) -> np.ndarray:
        return array.copy()

    def matmul_into(self, out: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        np.matmul(a, b, out=out)

    def add_at(self, buffer: np.ndarray, rows: np.ndarray, contributions: Any) -> None:
        """``buffer[rows] += contributions``, summing rows that repeat."""
        np.add.at(buffer, rows, contributions)

    def quietly(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)``; infinities and NaN are results, as in eager mode: no warnings."""
        return _quietly(function, *args)


class TorchBackend:
    name = "torch"

    def __init__(self, device: Any = None) -> None:
        import torch

        self.torch = torch
        self.xp = array_namespace("torch")
        self.device = torch.device(device if device is not None else "cpu")

    def asarray(self, data: Any) -> Any:
        return self.torch.as_tensor(data, dtype=self.torch.float64, device=self.device)

    def index(self, rows: np.ndarray) -> Any:
        return self.torch.as_tensor(rows, dtype=self.torch.long, device=self.device)

    def empty(self, shape: tuple[int, ...]) -> Any:
        return self.torch.empty(shape, dtype=self.torch.float64, device=self.device)

    def zero(self, array: Any) -> None:
        array.zero_()

    def sum_columns(self, array: Any) -> Any:
        return array.sum(1, keepdim=True)

    def zeros(self, shape: tuple[int, ...]) -> Any:
        return self.torch.zeros(shape, dtype=self.torch.float64, device=self.device)

    def copy(self, array: Any) -> Any:
        return array.clone()

    def matmul_into(self, out: Any, a: Any, b: Any) -> None:
        self.torch.matmul(a, b, out=out)

    def add_at(self, buffer: Any, rows: Any, contributions: Any) -> None:
        buffer.index_add_(0, rows, contributions)

    def quietly(self, function: Callable[..., Any], *args: Any) -> Any:
        return function(*args)


_add_reduce = np.add.reduce


# np.errstate as a decorator builds its settings once; as a ``with`` block, at every
# entry (1.7 against 0.9 microseconds here, twice per training step).
@np.errstate(all="ignore")
def _quietly(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


Backend = NumpyBackend | TorchBackend


def make_backend(backend: str = "numpy", device: Any = None) -> Backend:
    """The backend called ``backend``; ``device`` (e.g. ``"cuda"``) is for torch only."""
    if backend == "numpy":
        if device is not None:
            raise ValueError(f"device={device!r} needs backend='torch'; numpy runs on the CPU")
        return NumpyBackend()
    if backend == "torch":
        return TorchBackend(device)
    raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")


# -- buffers and rows -----------------------------------------------------------------------


class Buffers:
    """The values and gradients of a pass: ``(rows, width)`` for BATCH, ``(rows, 1)`` for FIXED.

    A replay keeps its buffers from one pass to the next while the batch size
    stays the same: fresh buffers of this size would cost page faults each step.
    """

    def __init__(
        self, n_rows: tuple[int, int], width: int, backend: Backend, outputs: Sequence[Row]
    ) -> None:
        self.width = width
        self.backend = backend
        self.xp = backend.xp
        shapes = ((n_rows[BATCH], width), (n_rows[FIXED], 1))
        self.values = tuple(backend.zeros(shape) for shape in shapes)
        self.grads = tuple(backend.zeros(shape) for shape in shapes)
        # each output's row, and its gradient's: (width,) for BATCH, (1,) for FIXED
        self.outputs = [self.values[buffer][row] for buffer, row in outputs]
        self.output_grads = [self.grads[buffer][row] for buffer, row in outputs]

    def zero_grads(self) -> None:
        for grads in self.grads:
            self.backend.zero(grads)


def as_index(rows: np.ndarray) -> slice | np.ndarray:
    """A slice when ``rows`` is an increasing run with a constant step, else ``rows`` itself.

    A slice reads a view without copying; an index array copies.
    """
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
    """Adds one row of contributions per entry of ``rows`` into a buffer, summing repeats.

    Plain ``buffer[rows] += x`` would keep one of the repeats only.
    """

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


class Reader:
    """One input of a step: its rows of a buffer, read as a view where they form a run."""

    def __init__(self, rows: np.ndarray, buffer: int, backend: Backend, needs_grad: bool) -> None:
        self.buffer = buffer
        self.index = backend_index(rows, backend)
        self.adder = RowAdder(rows, backend) if needs_grad else None
        self.view: Any = None
        self.grad_view: Any = None
        self.values: Any = None
        self.grads: Any = None

    def bind(self, buffers: Buffers) -> None:
        self.values = buffers.values[self.buffer]
        self.grads = buffers.grads[self.buffer]
        sliced = isinstance(self.index, slice)
        self.view = self.values[self.index] if sliced else None
        self.grad_view = self.grads[self.index] if sliced and self.adder is not None else None

    def read(self) -> Any:
        return self.view if self.view is not None else self.values[self.index]

    def add(self, contributions: Any) -> None:
        """Add one row of gradient per row read (a run of rows never repeats one)."""
        if self.grad_view is not None:
            self.grad_view += contributions
        else:
            assert self.adder is not None
            self.adder.add(self.grads, contributions)


class TableReader:
    """A ``(size, k)`` table of ``FIXED`` rows, such as a layer's weights.

    Parameters are laid out neuron by neuron (``w0 .. wk, b`` each), so a
    layer's weights are usually an affine table of rows: then they are read, and
    their gradients added, through one strided view, with no copy.
    """

    def __init__(self, table: np.ndarray, backend: Backend, needs_grad: bool) -> None:
        self.size, self.k = table.shape
        self.layout = _affine(table)
        self.index = backend.index(table)
        self.adder = RowAdder(table.ravel(), backend) if needs_grad else None
        self.view: Any = None
        self.grad_view: Any = None

    def bind(self, buffers: Buffers) -> None:
        self.column = buffers.values[FIXED][:, 0]
        self.grads = buffers.grads[FIXED]
        if self.layout is not None:
            self.view = _strided(self.column, self.layout, self.size, self.k)
            self.grad_view = _strided(self.grads[:, 0], self.layout, self.size, self.k)

    def read(self) -> Any:
        return self.view if self.view is not None else self.column[self.index]

    def add(self, contributions: Any) -> None:
        if self.grad_view is not None:
            self.grad_view += contributions
        else:
            assert self.adder is not None
            self.adder.add(self.grads, contributions.reshape(-1, 1))


def _affine(table: np.ndarray) -> tuple[int, int, int] | None:
    """(start, row step, column step) if ``table[i, j] == start + i*row + j*col`` without
    overlaps, and the rows fit in ``size * row`` rows from ``start``; else None."""
    size, k = table.shape
    start = int(table[0, 0])
    col = int(table[0, 1]) - start if k > 1 else 1
    row = int(table[1, 0]) - start if size > 1 else (k - 1) * col + 1
    if col < 1 or row < (k - 1) * col + 1:
        return None
    expected = start + np.arange(size)[:, None] * row + np.arange(k)[None, :] * col
    return (start, row, col) if np.array_equal(table, expected) else None


def _strided(column: Any, layout: tuple[int, int, int], size: int, k: int) -> Any:
    """The view of ``column`` at an affine table of rows, or None if it runs past the end."""
    start, row, col = layout
    end = start + size * row
    if end > column.shape[0]:
        return None
    return column[start:end].reshape(size, row)[:, : (k - 1) * col + 1 : col]


def pair_products(weights: Any, inputs: Any, shared: bool) -> Any:
    """Per sum i, the sum over j of ``weights[i, j] * inputs[i, j]``: one matrix product.

    ``weights`` is ``(size, k)``; ``inputs`` is ``(k, width)`` when every sum reads
    the same inputs (``W @ X``, a layer), else ``(size, k, width)``.
    """
    if shared:
        return weights @ inputs
    return (weights[:, None, :] @ inputs)[:, 0, :]


def live_examples(xp: Any, mask: Any, width: int) -> Any:
    """Where masked nodes are in each example's graph (``schedule``'s liveness masks), as
    booleans of ``width`` columns; a ``FIXED`` node (one column) is live if any example is."""
    live = mask > 0
    if live.shape[-1] != width:
        live = xp.any(live, axis=-1, keepdims=True)
    return live


def live_weight_gradients(xp: Any, grad: Any, inputs: Any, live: Any) -> Any:
    """Merged sums' weight gradients product by product, each example's only where its sum
    is live: an input that overflowed in a branch an example did not take would add
    0 * inf = NaN through ``grad @ inputs.T``. ``inputs`` as ``pair_products`` takes them."""
    per_example = inputs[None, :, :] if inputs.ndim == 2 else inputs  # (size or 1, k, width)
    return xp.where(live[:, None, :], grad[:, None, :] * per_example, 0.0).sum(-1)


# -- steps ----------------------------------------------------------------------------------


class OpStep:
    """``size`` nodes of one op (same attributes), each input read from its own rows."""

    def __init__(self, group: Group, backend: Backend) -> None:
        op = group.op
        assert op is not None
        self.name = op.name
        self.attrs = dict(op.attrs)
        self.forward_fn = op.forward
        self.backward_fn = op.backward
        self.out = group.out
        self.size = group.out.size
        self.needs_grad = group.needs_grad
        self.readers = [Reader(r.rows, r.buffer, backend, r.needs_grad) for r in group.reads]
        mask = group.mask  # where each node is in the example's graph: schedule.py
        self.mask = Reader(mask.rows, mask.buffer, backend, False) if mask is not None else None
        self.grad_readers: list[tuple[int, Reader, bool]] = []
        self.saved: list[Any] = []
        self.views: list[Any] | None = None

    def bind(self, buffers: Buffers) -> None:
        """Take views of ``buffers`` for every pass until the batch size changes."""
        for reader in self.readers:
            reader.bind(buffers)
        if self.mask is not None:
            self.mask.bind(buffers)
        rows = slice(self.out.start, self.out.start + self.out.size)
        self.values = buffers.values[self.out.buffer][rows]
        self.grads = buffers.grads[self.out.buffer][rows]
        self.backend = buffers.backend
        self.xp = buffers.xp
        # inputs that are runs of rows are views, read once here (fewer calls per pass)
        views = [reader.view for reader in self.readers]
        self.views = views if all(view is not None for view in views) else None
        # a FIXED input of a BATCH step gets its gradient summed over the batch
        batched = self.out.buffer == BATCH
        self.grad_readers = [
            (k, reader, batched and reader.buffer == FIXED)
            for k, reader in enumerate(self.readers)
            if reader.adder is not None
        ]

    def forward(self) -> None:
        args = self.views or [reader.read() for reader in self.readers]
        result = self.forward_fn(self.xp, *args, **self.attrs)
        try:
            self.values[...] = result
        except (ValueError, RuntimeError, TypeError) as err:
            raise ValueError(
                f"forward of op {self.name!r} on {self.backend.name} arrays returned "
                f"{type(result).__name__} of shape {getattr(result, 'shape', ())} "
                f"for {self.size} nodes: {err}"
            ) from None
        self.saved = args

    def backward(self) -> None:
        out = self.values
        grads = self.backward_fn(self.xp, self.grads, out, *self.saved, **self.attrs)
        if len(grads) != len(self.readers):
            raise ValueError(
                f"backward of op {self.name!r} returned {len(grads)} gradients "
                f"for {len(self.readers)} inputs"
            )
        shape = out.shape
        live = None if self.mask is None else live_examples(self.xp, self.mask.read(), shape[-1])
        for k, reader, over_batch in self.grad_readers:
            contribution = grads[k]
            if getattr(contribution, "shape", None) != shape:  # a number, or broadcast
                if not hasattr(contribution, "shape"):
                    contribution = self.backend.asarray(contribution)
                contribution = self.xp.broadcast_to(contribution, shape)
            if live is not None:  # nothing from examples whose graph lacks the node
                contribution = self.xp.where(live, contribution, -0.0)
            if over_batch:
                contribution = self.backend.sum_columns(contribution)
            if reader.grad_view is not None:  # Reader.add, without the call
                reader.grad_view += contribution
            else:
                reader.add(contribution)


class SumStep:
    """``size`` merged sums of the same shape (see ``schedule``): terms and (weight, input) pairs.

    Plain terms from ``BATCH`` rows are added in order by one sum over an axis,
    terms from ``FIXED`` rows (a bias) and the pairs' matrix product are added to
    that: rounding differs from eager mode's left-to-right additions by a few
    units in the last place.
    """

    def __init__(self, group: Group, backend: Backend) -> None:
        assert isinstance(group.kind, SumKind)
        n_terms, n_pairs = group.n_terms, group.kind.n_pairs
        self.name = "sum" if not n_pairs else "sum of products"
        self.out = group.out
        self.size = size = group.out.size
        self.needs_grad = group.needs_grad
        terms = group.reads[:n_terms]
        self.batch_terms = _TermRows([r for r in terms if r.buffer == BATCH], BATCH, size, backend)
        self.fixed_terms = _TermRows([r for r in terms if r.buffer == FIXED], FIXED, size, backend)
        weights, inputs = group.reads[n_terms : n_terms + n_pairs], group.reads[n_terms + n_pairs :]
        self.pairs = _Pairs(weights, inputs, backend) if n_pairs else None
        mask = group.mask  # see OpStep; a sum only passes gradients on: its pairs need it
        self.mask = Reader(mask.rows, mask.buffer, backend, False) if mask is not None else None

    def bind(self, buffers: Buffers) -> None:
        rows = slice(self.out.start, self.out.start + self.out.size)
        self.values = buffers.values[self.out.buffer][rows]
        self.grads = buffers.grads[self.out.buffer][rows]
        self.batch_terms.bind(buffers)
        self.fixed_terms.bind(buffers)
        if self.pairs is not None:
            self.pairs.bind(buffers)
        if self.mask is not None:
            self.mask.bind(buffers)
        self.backend = buffers.backend
        self.sum_over_batch = self.out.buffer == BATCH

    def forward(self) -> None:
        total = None
        if self.batch_terms.count:
            total = self.batch_terms.total()
        if self.fixed_terms.count:
            fixed_total = self.fixed_terms.total()
            total = fixed_total if total is None else fixed_total + total
        if self.pairs is None:
            self.values[...] = total
        else:
            self.pairs.forward(self.values)
            if total is not None:
                self.values += total

    def backward(self) -> None:
        grad = self.grads
        if self.pairs is not None:
            live = None
            if self.mask is not None:
                live = live_examples(self.backend.xp, self.mask.read(), grad.shape[-1])
            self.pairs.backward(grad, live)
        if self.batch_terms.adder is not None:
            self.batch_terms.add(grad)
        if self.fixed_terms.adder is not None:
            self.fixed_terms.add(self.backend.sum_columns(grad) if self.sum_over_batch else grad)


class _TermRows:
    """The plain terms of ``size`` sums that come from one buffer, ``count`` each."""

    def __init__(self, reads: list[Read], buffer: int, size: int, backend: Backend) -> None:
        self.count = len(reads)
        self.size = size
        table = np.stack([r.rows for r in reads], axis=1) if reads else np.zeros((size, 0), np.intp)
        needs_grad = any(r.needs_grad for r in reads)
        self.reader = Reader(table.ravel(), buffer, backend, needs_grad)
        self.adder = self.reader.adder
        self.in_place = isinstance(self.reader.index, slice) and self.reader.index.step is None

    def bind(self, buffers: Buffers) -> None:
        self.reader.bind(buffers)
        self.xp = buffers.xp

    def total(self) -> Any:
        """Each sum's terms added up, ``(size, width)``: one sum over an axis, or the term."""
        terms = self.reader.read()
        if self.count == 1:
            return terms
        return terms.reshape(self.size, self.count, terms.shape[-1]).sum(1)

    def add(self, grad: Any) -> None:
        """Every term of sum i gets sum i's gradient."""
        if self.count == 1:
            self.reader.add(grad)
            return
        per_term = grad[:, None, :]
        width = grad.shape[-1]
        if self.in_place:  # a run of rows: add through a view
            block = self.reader.grad_view.reshape(self.size, self.count, width)
            block += per_term
        else:
            shape = (self.size, self.count, width)
            self.reader.add(self.xp.broadcast_to(per_term, shape).reshape(-1, width))


class _Pairs:
    """The (weight, input) pairs of ``size`` sums, ``k`` each: a matrix product.

    When every sum reads the same inputs in the same order (the neurons of one
    layer), the pairs are ``W @ X``: weights ``(size, k)`` from ``FIXED`` rows,
    inputs ``(k, width)``. Otherwise each sum has its own inputs and the library
    multiplies a stack of ``(1, k) @ (k, width)`` products.
    """

    def __init__(self, weights: list[Read], inputs: list[Read], backend: Backend) -> None:
        weight_rows = np.stack([r.rows for r in weights], axis=1)
        input_rows = np.stack([r.rows for r in inputs], axis=1)
        self.size, self.k = weight_rows.shape
        self.buffer = inputs[0].buffer
        self.grad_weights = any(r.needs_grad for r in weights)
        self.weights = TableReader(weight_rows, backend, self.grad_weights)
        self.grad_inputs = any(r.needs_grad for r in inputs)
        self.shared = bool(np.all(input_rows == input_rows[0]))
        rows = input_rows[0] if self.shared else input_rows.ravel()
        self.inputs = Reader(rows, self.buffer, backend, self.grad_inputs)
        # one sum of squares (an L2 term): both factors of each pair are the same row
        self.squares = (
            self.size == 1
            and self.grad_weights
            and self.grad_inputs
            and np.array_equal(weight_rows[0], input_rows[0])
        )
        self.saved: tuple[Any, Any] = (None, None)

    def bind(self, buffers: Buffers) -> None:
        self.weights.bind(buffers)
        self.inputs.bind(buffers)
        self.backend = buffers.backend

    def forward(self, out: Any) -> None:
        """Writes the products' sums into ``out``."""
        weights = self.weights.read()
        inputs = self.inputs.read()
        if not self.shared:
            inputs = inputs.reshape(self.size, self.k, -1)
        if self.shared and inputs.shape[-1] == out.shape[-1]:
            self.backend.matmul_into(out, weights, inputs)
        else:  # each sum its own inputs, or inputs from FIXED rows in a batched sum
            out[...] = pair_products(weights, inputs, self.shared)
        self.saved = (weights, inputs)

    def backward(self, grad: Any, live: Any = None) -> None:
        """``live``: where each sum is in the example's graph (``schedule``'s liveness), or
        None where it always is."""
        weights, inputs = self.saved
        d_weights = None
        if live is not None and self.grad_weights and not bool((abs(inputs) < INF).all()):
            d_weights = live_weight_gradients(self.backend.xp, grad, inputs, live)
        if self.buffer == FIXED and grad.shape[-1] != 1:  # the products are the same per example
            grad = self.backend.sum_columns(grad)
        if d_weights is None and self.squares and self.weights.grad_view is not None:
            self.weights.grad_view += 2.0 * (grad @ inputs.T)  # d(x*x) = 2x, added once
            return
        if self.grad_weights:
            if d_weights is None:  # the common case: no mask, or every input finite
                d_weights = grad @ inputs.T if self.shared else (inputs @ grad[:, :, None])[:, :, 0]
            target = self.weights.grad_view
            if target is not None:  # TableReader.add, without the call
                target += d_weights
            else:
                self.weights.add(d_weights)
        if self.grad_inputs:
            if self.shared:
                d_inputs = weights.T @ grad
            else:
                d_inputs = (weights[:, :, None] * grad[:, None, :]).reshape(-1, grad.shape[1])
            target = self.inputs.grad_view
            if target is not None:  # Reader.add, without the call
                target += d_inputs
            else:
                self.inputs.add(d_inputs)


Step = OpStep | SumStep


def make_step(group: Group, backend: Backend) -> Step:
    return SumStep(group, backend) if isinstance(group.kind, SumKind) else OpStep(group, backend)


__all__ = ["Rows", "Step"]
