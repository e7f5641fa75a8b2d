"""``Replay``: a traced graph as an object that runs on batches of new inputs.

It talks to the user in arrays and ``Value`` parameters: inputs come as one
array per traced input (shape ``(N,)`` for an input that was one Value,
``(N, k)`` for one that was a list of k Values), parameters' current ``.data``
is read at every ``forward``, and ``backward`` adds into their ``.grad``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurograd_core.replay.backend import Backend, NumpyBackend
from neurograd_core.replay.graph import FlatGraph
from neurograd_core.replay.program import Program
from neurograd_core.value import Value

# Re-traces the function on example ``i`` of the given arrays and raises StaleTraceError
# if the result is not the traced graph.
Checker = Callable[[Sequence[np.ndarray], int], None]


class Replay:
    """Forward and backward of a traced graph over N examples at once, on numpy or torch.

    Attributes: ``params`` (the Values whose ``.grad`` it writes), ``input_shapes``
    (per-example shape of each input), ``n_nodes``, ``depth`` (levels of the
    schedule), ``n_steps`` (array steps per pass) and ``backend`` (``"numpy"`` or
    ``"torch"``). Results are arrays of the backend (torch tensors for torch).
    """

    def __init__(
        self,
        graph: FlatGraph,
        input_shapes: Sequence[tuple[int, ...]],
        params: Sequence[Value],
        single_output: bool,
        checker: Checker | None = None,
        recheck_every: int = 0,
        backend: Backend | None = None,
    ) -> None:
        self._backend = backend if backend is not None else NumpyBackend()
        self.backend = self._backend.name
        self.device = self._backend.device
        self.program = Program(graph, self._backend)
        self.params = list(params)
        self.input_shapes = [tuple(shape) for shape in input_shapes]
        self.single_output = single_output
        self.n_nodes = len(graph)
        self.depth = self.program.plan.depth
        self.n_steps = len(self.program.plan.steps)
        self._checker = checker
        self._recheck_every = recheck_every
        self._forwards = 0
        self._width = 0

    def __repr__(self) -> str:
        return (
            f"Replay(inputs={self.input_shapes}, params={len(self.params)}, nodes={self.n_nodes}, "
            f"depth={self.depth}, steps={self.n_steps}, backend={self.backend!r})"
        )

    def forward(self, *arrays: Any) -> Any:
        """The outputs for every example: shape ``(N,)`` for one output, ``(N, k)`` for k."""
        return self.forward_with(self.param_values(), *arrays)

    def backward(self, seed: Any = 1.0) -> None:
        """Add d(sum over examples of seed * output)/d(param) to each parameter's ``.grad``.

        The same as calling ``output.backward(seed)`` on each example's eager
        graph. ``seed`` is a number, or an array shaped like ``forward``'s result.
        """
        self.add_to_grads(self.gradients(seed))

    def param_values(self) -> np.ndarray:
        """The parameters' current ``.data``, as ``forward_with`` takes them."""
        return np.fromiter((p.data for p in self.params), np.float64, len(self.params))

    def forward_with(self, param_values: np.ndarray, *arrays: Any) -> Any:
        """``forward`` with the parameters' values given (one per parameter) instead of read."""
        inputs = self._input_rows(arrays)
        if np.shape(param_values) != (len(self.params),):
            raise ValueError(
                f"expected {len(self.params)} parameter values, got shape {np.shape(param_values)}"
            )
        outputs = self.program.forward(inputs, param_values)
        self._width = inputs.shape[1]
        self._forwards += 1
        if self._checker is not None and self._recheck_every:
            if self._forwards % self._recheck_every == 0:
                example = (self._forwards // self._recheck_every) % self._width
                self._checker(arrays, example)
        copy = self._backend.copy
        return copy(outputs[0]) if self.single_output else copy(outputs.T)

    def gradients(self, seed: Any = 1.0) -> Any:
        """What ``backward`` would add to each parameter's ``.grad``, without adding it."""
        if self._width == 0:
            raise RuntimeError("backward() needs a forward() first")
        n_outputs = len(self.program.plan.outputs)
        seeds = self._backend.asarray(seed)
        expected = (self._width,) if self.single_output else (self._width, n_outputs)
        if seeds.ndim and tuple(seeds.shape) != expected:
            raise ValueError(
                f"seed has shape {tuple(seeds.shape)}; expected a number or {expected}"
            )
        rows = self._backend.xp.broadcast_to(seeds, expected).reshape(self._width, -1).T
        return self.program.backward(rows)

    def add_to_grads(self, grads: Any) -> None:
        """``param.grad += grad`` for each parameter, in order."""
        for param, grad in zip(self.params, grads.tolist()):
            param.grad += grad

    def check(self, *arrays: Any, examples: Sequence[int] | None = None) -> None:
        """Re-trace the function eagerly on some examples; StaleTraceError if a graph differs.

        Only a replay traced from a function can check itself (see ``trace``).
        """
        if self._checker is None:
            raise TypeError(
                "this replay was traced from a graph, not a function: nothing to re-run"
            )
        n_examples = self._input_rows(arrays).shape[1]
        for i in range(n_examples) if examples is None else examples:
            self._checker(arrays, i)

    def _input_rows(self, arrays: Sequence[Any]) -> Any:
        """The inputs as one row per input slot (one column per example), after checking shapes."""
        if len(arrays) != len(self.input_shapes):
            raise TypeError(
                f"expected {len(self.input_shapes)} input arrays "
                f"(per-example shapes {self.input_shapes}), got {len(arrays)}"
            )
        backend = self._backend
        if not arrays:
            return backend.empty((0, 1))
        columns = []
        n_examples = None
        for i, (array, shape) in enumerate(zip(arrays, self.input_shapes)):
            try:
                array = backend.asarray(array)
            except (TypeError, ValueError, RuntimeError) as err:
                raise TypeError(f"input {i} is not an array of numbers: {err}") from None
            if array.ndim == 0 or tuple(array.shape[1:]) != shape:
                raise ValueError(
                    f"input {i} has shape {tuple(array.shape)}; the trace expects (N, *{shape}) "
                    f"= {('N', *shape)}"
                )
            if n_examples is None:
                n_examples = array.shape[0]
                if not n_examples:
                    raise ValueError("the batch is empty: inputs need at least one example")
            elif array.shape[0] != n_examples:
                raise ValueError(
                    f"input {i} has {array.shape[0]} examples, input 0 has {n_examples}"
                )
            columns.append(array.reshape(n_examples, -1))
        return backend.xp.concat(columns, axis=1).T
