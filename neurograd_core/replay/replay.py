"""Stage 3, run: ``Replay``, a traced graph that runs on batches; ``compile_batch``; ``to_torch``.

``trace`` and ``trace_graph`` take a function or a graph through the stages
(``trace.py`` makes its ``FlatGraph``, ``schedule.py`` its ``Schedule``) and
return a ``Replay``, which runs the schedule's steps (``steps.py``) on the
arrays of a backend. It talks to the user in arrays and ``Value`` parameters:
inputs come as one array per traced input (shape ``(N,)`` for an input that was
one Value, ``(N, k)`` for one that was a list of k Values), parameters' current
``.data`` is read at every ``forward``, and ``backward`` adds into their ``.grad``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from functools import cache
from operator import is_
from typing import Any, cast

import numpy as np

from neurograd_core.replay.parameters import ParameterArrays, arrays_of, store
from neurograd_core.replay.schedule import BATCH, FIXED, Schedule, SumKind, build_schedule
from neurograd_core.replay.steps import (
    Backend,
    Buffers,
    live_examples,
    live_weight_gradients,
    make_backend,
    make_step,
    pair_products,
)
from neurograd_core.replay.trace import (
    FlatGraph,
    InputSpec,
    OutsideNumbers,
    StaleTraceError,
    Tracer,
    as_batch,
    flatten,
    input_leaves,
    output_values,
    refuse_complex,
)
from neurograd_core.value import Value

# The periodic stale-trace check (see ``trace.py``): by default a re-run every 100th
# forward, or less often where a re-run would cost more than 5% of the time between two.
RECHECK_EVERY = 100
RECHECK_SHARE = 0.05


class Replay:
    """Forward and backward of a traced graph over N examples at once, on numpy or torch.

    Attributes: ``params`` (the Values whose ``.grad`` it writes), ``captured``
    (Values the graph uses that are not parameters; they get gradients too),
    ``input_shapes`` (per-example shape of each input), ``n_nodes``, ``depth``
    (levels of the schedule), ``n_steps`` (array steps per pass), ``schedule``
    and ``backend`` (``"numpy"`` or ``"torch"``). Results are arrays of the
    backend (torch tensors for torch).
    """

    def __init__(
        self,
        graph: FlatGraph,
        input_shapes: Sequence[tuple[int, ...]],
        params: Sequence[Value],
        single_output: bool,
        backend: Backend,
        tracer: Tracer | None = None,
        recheck_every: int | None = 0,
        outside: OutsideNumbers | None = None,
    ) -> None:
        self._backend = backend
        self.backend = backend.name
        self.device = backend.device
        self.schedule: Schedule = build_schedule(graph)
        self.steps = [make_step(group, backend) for group in self.schedule.groups]
        self._forward_calls = [step.forward for step in self.steps]
        self._backward_calls = [step.backward for step in reversed(self.steps) if step.needs_grad]
        self.params = list(params)
        self.captured = list(graph.captured)
        self.input_shapes = [tuple(shape) for shape in input_shapes]
        self.single_output = single_output
        self.n_nodes = len(graph)
        self.depth = self.schedule.depth
        self.n_steps = len(self.steps)
        self._tracer = tracer
        self._recheck_every = recheck_every
        self._next_check = RECHECK_EVERY if recheck_every is None else recheck_every
        self._checks = 0
        self._checked_at = (0, time.perf_counter())  # (forwards, time) of the last check
        self._outside = outside
        self._forwards = 0
        self._buffers: Buffers | None = None
        self._ran = False
        self._stored: tuple[ParameterArrays, Any] | None = None
        self._seen_inputs: list[Any] = []  # the last checked input arrays (numpy only)
        self._seen_shapes: list[tuple[int, ...]] = []

    def __repr__(self) -> str:
        return (
            f"Replay(inputs={self.input_shapes}, params={len(self.params)}, nodes={self.n_nodes}, "
            f"depth={self.depth}, steps={self.n_steps}, backend={self.backend!r})"
        )

    # -- the user's side: arrays in, arrays out, gradients into .grad ----------------------

    def forward(self, *arrays: Any) -> Any:
        """The outputs for every example: shape ``(N,)`` for one output, ``(N, k)`` for k."""
        return self._outputs(self._backend.quietly(self.run_forward, arrays))

    def forward_with(self, param_values: Any, *arrays: Any) -> Any:
        """``forward`` with the parameters' values given (one per parameter) instead of read."""
        if np.shape(param_values) != (len(self.params),):
            raise ValueError(
                f"expected {len(self.params)} parameter values, got shape {np.shape(param_values)}"
            )
        return self._outputs(self._backend.quietly(self.run_forward, arrays, param_values))

    def backward(self, seed: Any = 1.0) -> None:
        """Add d(sum over examples of seed * output)/d(param) to each parameter's ``.grad``.

        The same as calling ``output.backward(seed)`` on each example's eager
        graph. ``seed`` is a number, or an array shaped like ``forward``'s result.
        Captured Values (used by the function, not in ``params``) get theirs too.
        """
        self._backend.quietly(self.run_backward, self._seed_rows(seed))
        self.add_to_grads()

    def gradients(self, seed: Any = 1.0) -> Any:
        """What ``backward`` would add to each parameter's ``.grad``, without adding it."""
        self._backend.quietly(self.run_backward, self._seed_rows(seed))
        assert self._buffers is not None
        return self._backend.copy(self._buffers.grads[FIXED][: len(self.params), 0])

    def check(self, *arrays: Any, examples: Sequence[int] | None = None) -> None:
        """Re-trace the function eagerly on some examples; StaleTraceError if a graph differs.

        Only a replay traced from a function can check itself (see ``trace``).
        """
        if self._tracer is None:
            raise TypeError(
                "this replay was traced from a graph, not a function: nothing to re-run"
            )
        columns = as_batch(arrays)
        self._check_shapes(columns)
        for i in range(len(columns[0]) if columns else 1) if examples is None else examples:
            self._recheck(columns, i)

    def to_torch(self) -> Any:
        """This graph as a ``torch.nn.Module``: the way to GPUs and PyTorch's training tools.

        Its parameters are float64 tensors initialised from the Values' data
        (``params``, and ``captured`` if the graph has captured Values); its
        ``forward`` takes the inputs as tensors and returns what ``forward`` does.
        Every op runs its one definition on tensors with the torch array-API
        namespace: ``torch.autograd`` runs the graph backward, calling each op's
        own ``backward`` for its nodes.
        """
        return torch_module_class()(self)

    # -- the run: buffers, steps, parameters ----------------------------------------------

    def run_forward(self, arrays: Sequence[Any], param_values: Any = None) -> Buffers:
        """Fill the buffers for this batch and run every step forward.

        numpy's warnings are the caller's to silence (``Backend.quietly``).
        """
        buffers = self._fill(arrays, param_values)
        for forward in self._forward_calls:
            forward()
        self._ran = True
        self._forwards += 1
        if self._outside is not None:
            changed = self._outside.changed()
            if changed is not None:
                raise StaleTraceError(
                    f"the traced function reads a number from outside it, and {changed}: the "
                    "trace holds the old number. Trace again, or make the number a Value."
                )
        if self._tracer is not None and self._next_check and self._forwards >= self._next_check:
            self._recheck_one(arrays, buffers.width)
        return buffers

    def _recheck_one(self, arrays: Sequence[Any], width: int) -> None:
        """The periodic stale-trace check: re-run one example, in turn, and compare graphs.

        With ``recheck_every=None`` the next check waits at least ``RECHECK_EVERY``
        forwards, and longer when one check costs more than ``RECHECK_SHARE`` of
        the time since the last one (a re-run of the demo model costs about 2 ms,
        twenty replayed training steps).
        """
        assert self._tracer is not None
        self._checks += 1
        example = self._checks % width
        started = time.perf_counter()
        self._tracer.check(as_batch(arrays), example)
        now = time.perf_counter()
        forwards, since = self._checked_at
        if self._recheck_every is None:
            per_forward = (started - since) / max(1, self._forwards - forwards)
            wait = math.ceil((now - started) / RECHECK_SHARE / max(per_forward, 1e-9))
            self._next_check = self._forwards + max(RECHECK_EVERY, wait)
        else:
            self._next_check = self._forwards + self._recheck_every
        self._checked_at = (self._forwards, now)

    def run_backward(self, seeds: Sequence[Any]) -> None:
        """Backward from ``seeds``, one per output: None, a number or an array of the batch.

        A ``BATCH`` output's seed is per example; a ``FIXED`` output's (one that
        depends on parameters only) is its total over the batch.
        """
        if not self._ran or self._buffers is None:
            raise RuntimeError("backward() needs a forward() first")
        buffers = self._buffers
        buffers.zero_grads()
        for seed, grad in zip(seeds, buffers.output_grads):
            if seed is not None:
                grad += seed
        for backward in self._backward_calls:
            backward()

    def add_to_grads(self) -> None:
        """``.grad += gradient`` for every parameter and captured Value, after ``run_backward``."""
        assert self._buffers is not None
        grads = self._buffers.grads[FIXED]
        n_params = len(self.params)
        param_grads = grads[:n_params, 0]
        stored = self._stored_arrays()
        if stored is not None:
            arrays, rows = stored
            arrays.grad[rows] += self._to_numpy(param_grads)
        else:
            for param, grad in zip(self.params, param_grads.tolist()):
                param.grad += grad
        captured = grads[n_params : n_params + len(self.captured), 0].tolist()
        for value, grad in zip(self.captured, captured):
            value.grad += grad

    def _stored_arrays(self) -> tuple[ParameterArrays, Any] | None:
        """The arrays holding every parameter (see ``parameters``), looked up once while live."""
        if self._stored is None or not self._stored[0].live:
            self._stored = arrays_of(self.params)
        return self._stored

    def _fill(self, arrays: Sequence[Any], param_values: Any) -> Buffers:
        """Buffers of this batch's width, with the inputs, parameters and captured Values in."""
        backend = self._backend
        inputs = self._input_arrays(arrays)
        width = inputs[0].shape[0] if inputs else 1
        buffers = self._buffers
        if buffers is None or buffers.width != width:
            buffers = Buffers(self.schedule.n_rows, width, backend, self.schedule.outputs)
            start = self.schedule.n_params + self.schedule.n_captured
            constants = self.schedule.constants
            if constants:
                buffers.values[FIXED][start : start + len(constants), 0] = backend.asarray(
                    constants
                )
            for step in self.steps:
                step.bind(buffers)
            self._buffers = buffers
        batch, fixed = buffers.values
        row = 0
        for array, shape in zip(inputs, self.input_shapes):
            if shape:
                batch[row : row + shape[0]] = array.T
                row += shape[0]
            else:
                batch[row] = array
                row += 1
        n_params = len(self.params)
        if param_values is None:
            stored = self._stored_arrays()
            if stored is not None:
                param_values = stored[0].data[stored[1]]
            else:
                param_values = np.fromiter((p.data for p in self.params), np.float64, n_params)
        fixed[:n_params, 0] = backend.asarray(param_values)
        if self.captured:
            captured = backend.asarray([v.data for v in self.captured])
            fixed[n_params : n_params + len(self.captured), 0] = captured
        return buffers

    def _input_arrays(self, arrays: Sequence[Any]) -> list[Any]:
        """The inputs as arrays of the backend, after checking their number and shapes.

        The same float64 numpy arrays as in the last call pass without the checks
        (their contents are read again, but a numpy array keeps its dtype).
        """
        seen = self._seen_inputs
        if (
            len(arrays) == len(seen)
            and all(map(is_, arrays, seen))
            and all(a.shape == shape for a, shape in zip(arrays, self._seen_shapes))
        ):
            return list(arrays)
        converted = self._checked_inputs(arrays)
        if all(type(a) is np.ndarray and a.dtype == np.float64 for a in arrays):
            if self._backend.name == "numpy":
                self._seen_inputs = list(arrays)
                self._seen_shapes = [a.shape for a in arrays]
        return converted

    def _checked_inputs(self, arrays: Sequence[Any]) -> list[Any]:
        if len(arrays) != len(self.input_shapes):
            raise TypeError(
                f"expected {len(self.input_shapes)} input arrays "
                f"(per-example shapes {self.input_shapes}), got {len(arrays)}"
            )
        backend = self._backend
        converted = []
        n_examples = None
        for i, (array, shape) in enumerate(zip(arrays, self.input_shapes)):
            if not (type(array) is np.ndarray and array.dtype == np.float64):
                refuse_complex(array, i)
                try:
                    array = backend.asarray(array)
                except (TypeError, ValueError, RuntimeError) as err:
                    raise TypeError(f"input {i} is not an array of numbers: {err}") from None
            elif backend.name != "numpy":
                array = backend.asarray(array)
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
            converted.append(array)
        return converted

    def _outputs(self, buffers: Buffers) -> Any:
        """The output rows as ``(N,)`` or ``(N, k)``: a new array, not a view of the buffers."""
        width = buffers.width
        rows = [buffers.values[buffer][row] for buffer, row in self.schedule.outputs]
        if self.single_output:
            return self._backend.copy(self._backend.xp.broadcast_to(rows[0], (width,)))
        outputs = self._backend.empty((width, len(rows)))
        for j, row in enumerate(rows):
            outputs[:, j] = row
        return outputs

    def _seed_rows(self, seed: Any) -> list[Any]:
        """``seed`` (a number or an array shaped like the outputs) as one seed per output."""
        if not self._ran or self._buffers is None:
            raise RuntimeError("backward() needs a forward() first")
        width = self._buffers.width
        n_outputs = len(self.schedule.outputs)
        seeds = self._backend.asarray(seed)
        expected = (width,) if self.single_output else (width, n_outputs)
        if seeds.ndim and tuple(seeds.shape) != expected:
            raise ValueError(
                f"seed has shape {tuple(seeds.shape)}; expected a number or {expected}"
            )
        columns = self._backend.xp.broadcast_to(seeds, expected).reshape(width, -1).T
        return [
            column if buffer == BATCH else column.sum()
            for column, (buffer, _) in zip(columns, self.schedule.outputs)
        ]

    def _to_numpy(self, array: Any) -> np.ndarray:
        return array if isinstance(array, np.ndarray) else array.detach().cpu().numpy()

    def _check_shapes(self, columns: list[np.ndarray]) -> None:
        for i, (column, shape) in enumerate(zip(columns, self.input_shapes)):
            if tuple(column.shape[1:]) != shape:
                raise ValueError(f"input {i} has shape {column.shape}; the trace expects {shape}")

    def _recheck(self, columns: list[np.ndarray], example: int) -> None:
        assert self._tracer is not None
        self._tracer.check(columns, example)


# -- tracing: the entry points ----------------------------------------------------------------


def trace_graph(
    outputs: Value | Sequence[Value],
    inputs: InputSpec,
    params: Sequence[Value],
    *,
    backend: str = "numpy",
    device: Any = None,
) -> Replay:
    """A replay of an existing graph, with some of its leaves named as inputs and parameters.

    ``inputs``: one entry per input array of ``forward``: a Value (an array of shape
    ``(N,)``) or a list of k Values (an array of shape ``(N, k)``). Every other leaf
    is captured: its current ``.data`` is read at every run and its ``.grad``
    gets its gradient, as ``output.backward()`` would give it. ``backend`` is
    ``"numpy"`` or ``"torch"`` (then ``device`` may name e.g. ``"cuda"``).
    """
    engine = make_backend(backend, device)
    roots, single = output_values(outputs)
    leaves, shapes = input_leaves(inputs)
    graph = flatten(roots, leaves, params, captured=lambda leaf: True)
    return Replay(graph, shapes, params, single, engine)


def trace(
    fn: Callable[..., Any],
    params: Sequence[Value],
    *arrays: Any,
    verify: int = 8,
    recheck_every: int | None = None,
    backend: str = "numpy",
    device: Any = None,
) -> Replay:
    """Trace ``fn`` on the first example of ``arrays`` and return its replay.

    ``fn`` receives one argument per array: a Value for an array of shape ``(N,)``,
    a list of k Values for one of shape ``(N, k)``; it returns a Value or a list of
    Values (the outputs of one example). The Values it uses that are in ``params``
    are parameters; other Values it uses from outside are captured (read at every
    run, and given gradients as eager mode gives them). ``verify`` examples are
    re-run when tracing, and one every ``recheck_every`` forwards while replaying
    (``None``: every 100th, or less often where a re-run would cost more than 5%
    of the time between two; ``0``: never); see ``trace.py``. ``backend`` is
    ``"numpy"`` or ``"torch"`` (then ``device`` may name e.g. ``"cuda"``): the
    library the replay runs on, with each op's one definition.
    """
    if not callable(fn):
        raise TypeError(f"trace() needs a function, got {type(fn).__name__}")
    return _trace(Tracer(fn, list(params)), [fn], arrays, verify, recheck_every, backend, device)


def _trace(
    tracer: Tracer,
    watched: Sequence[Callable[..., Any]],
    arrays: Sequence[Any],
    verify: int,
    recheck_every: int | None,
    backend: str,
    device: Any,
) -> Replay:
    engine = make_backend(backend, device)
    columns = as_batch(arrays)
    graph, single = tracer.trace(columns, verify)
    shapes = [column.shape[1:] for column in columns]
    outside = OutsideNumbers(watched)
    replay = Replay(graph, shapes, tracer.params, single, engine, tracer, recheck_every, outside)
    return replay


# -- training objectives ------------------------------------------------------------------------

REDUCTIONS = ("mean", "sum")


class BatchObjective:
    """The compiled objective: ``step`` (forward + backward) and ``forward`` (loss only).

    ``replay`` runs the per-example function and ``params_term`` as one graph.
    While it lives, the parameters' numbers live in ``arrays`` (a
    ``ParameterArrays``: see ``parameters.py``); ``release()`` hands them back.
    After each call, ``last_losses`` holds the per-example losses, shape ``(N,)``,
    and ``last_outputs`` everything ``per_example`` returned: the losses again when
    it returned one Value, else shape ``(N, k)`` (column 0 the losses).
    """

    def __init__(
        self, replay: Replay, n_outputs: int, has_term: bool, reduction: str, arrays: Any
    ) -> None:
        self.replay = replay
        self.reduction = reduction
        self.params = replay.params
        self.arrays: ParameterArrays | None = arrays
        self._n_outputs = n_outputs
        self._has_term = has_term
        self._buffers: Buffers | None = None

    def __repr__(self) -> str:
        return f"BatchObjective({self.replay!r}, reduction={self.reduction!r})"

    def forward(self, *arrays: Any) -> float:
        """The objective's value on this batch; no gradient is touched."""
        return self.replay._backend.quietly(self._forward, arrays)

    def _forward(self, arrays: Sequence[Any]) -> float:
        self._buffers = buffers = self.replay.run_forward(arrays)
        total = float(buffers.outputs[0].sum())
        if self.replay.schedule.outputs[0].buffer == FIXED:  # a loss ignoring the example
            total *= buffers.width
        if self.reduction == "mean":
            total *= 1.0 / buffers.width  # as micrograd's demo writes its mean
        if self._has_term:
            total += float(buffers.outputs[-1][0])
        return total

    @property
    def last_outputs(self) -> Any:
        """What ``per_example`` returned for each example in the last call (a new array)."""
        if self._buffers is None:
            return None
        buffers = self._buffers
        rows = self.replay.schedule.outputs[: self._n_outputs]
        columns = [buffers.values[b][r] for b, r in rows]
        columns = [buffers.xp.broadcast_to(c, (buffers.width,)) for c in columns]
        if self._n_outputs == 1:
            return buffers.backend.copy(columns[0])
        return buffers.xp.stack(columns, axis=1)

    @property
    def last_losses(self) -> Any:
        """The per-example losses of the last call, shape ``(N,)`` (a new array)."""
        outputs = self.last_outputs
        return outputs if outputs is None or outputs.ndim == 1 else outputs[:, 0]

    def step(self, *arrays: Any) -> float:
        """The objective's value; adds its gradient into every parameter's ``.grad``."""
        total = self.replay._backend.quietly(self._step, arrays)
        self.replay.add_to_grads()
        return total

    def _step(self, arrays: Sequence[Any]) -> float:
        total = self._forward(arrays)
        assert self._buffers is not None
        width = self._buffers.width
        scale = 1.0 / width if self.reduction == "mean" else 1.0
        if self.replay.schedule.outputs[0].buffer == FIXED:  # a FIXED output's seed is a total
            scale *= width
        seeds: list[Any] = [scale] + [None] * (self._n_outputs - 1)
        if self._has_term:
            seeds.append(1.0)
        self.replay.run_backward(seeds)
        return total

    def release(self) -> None:
        """Hand the parameters' numbers back to plain Values (see ``parameters.py``)."""
        if self.arrays is not None:
            self.arrays.release()


def compile_batch(
    per_example: Callable[..., Any],
    params: Sequence[Value],
    *arrays: Any,
    reduction: str = "mean",
    params_term: Callable[[list[Value]], Value] | None = None,
    verify: int = 8,
    recheck_every: int | None = None,
    backend: str = "numpy",
    device: Any = None,
) -> BatchObjective:
    """A training objective over a batch, from the loss of one example.

    The objective is ``reduction(per_example(x_i, y_i) for every example) +
    params_term(params)``, the shape of micrograd's demo loss (mean hinge loss plus
    L2). ``per_example`` takes one argument per array (a Value, or a list of Values
    for a 2-D array) and returns that example's loss as one Value, or a tuple
    ``(loss, *more)`` to also get other values of the same pass (such as the
    model's score) in ``last_outputs``. ``params_term(params)`` returns a Value
    computed from the parameters alone (e.g. ``alpha * sum(p * p for p in params)``).
    Both are traced on the first example of ``arrays`` as one graph. ``backend``
    and ``device`` are as for ``trace``.

    The parameters move into flat arrays while the objective lives (see
    ``parameters.py``): ``p.data`` and ``p.grad`` still read and write them.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    params = list(params)
    counts: list[int] = []  # how many outputs per_example returned, when traced

    def objective(*inputs: Any) -> list[Value]:
        outputs, _ = output_values(per_example(*inputs))
        if not counts:
            counts.append(len(outputs))
        return outputs + ([params_term(params)] if params_term is not None else [])

    tracer = Tracer(objective, params, name=getattr(per_example, "__qualname__", None))
    watched = [per_example] + ([params_term] if params_term is not None else [])
    replay = _trace(tracer, watched, arrays, verify, recheck_every, backend, device)
    arrays_held = store(params)
    return BatchObjective(replay, counts[0], params_term is not None, reduction, arrays_held)


# -- out to PyTorch -----------------------------------------------------------------------------


@cache
def torch_module_class() -> type:
    """The ``torch.nn.Module`` class of ``Replay.to_torch``, made on first use (loads torch)."""
    import torch

    from neurograd_core.namespaces import array_namespace

    xp = array_namespace("torch")

    class TracedModule(torch.nn.Module):
        """A traced graph as a torch module: the replay's schedule, run by torch's autograd.

        ``params`` holds the parameters in the replay's order (``captured`` the
        captured Values'), ``constants`` the traced numbers. ``forward`` evaluates
        the schedule's groups one after another: each op's nodes by its own
        ``forward`` on tensors (``OpFunction``), merged sums as sums and matrix
        products. No in-place writes, so autograd and ``torch.compile`` follow it.
        """

        def __init__(self, replay: Replay) -> None:
            super().__init__()
            schedule = replay.schedule
            as_tensor = lambda data: torch.tensor(data, dtype=torch.float64)  # noqa: E731
            self.params = torch.nn.Parameter(as_tensor([p.data for p in replay.params]))
            self.captured = torch.nn.Parameter(as_tensor([v.data for v in replay.captured]))
            self.register_buffer("constants", as_tensor(schedule.constants), persistent=False)
            self.input_shapes = replay.input_shapes
            self.single_output = replay.single_output
            self.outputs = list(schedule.outputs)
            self.groups = schedule.groups
            self.reads: list[list[tuple[int, str]]] = []  # per group: (buffer, index buffer name)
            self.masks: list[tuple[int, str] | None] = []  # per group: its liveness mask rows
            for g, group in enumerate(schedule.groups):
                if group.mask is None:
                    self.masks.append(None)
                else:
                    as_index = torch.as_tensor(group.mask.rows, dtype=torch.long)
                    self.register_buffer(f"mask_{g}", as_index, persistent=False)
                    self.masks.append((group.mask.buffer, f"mask_{g}"))
                blocks = _read_blocks(group)
                for k, (_, rows) in enumerate(blocks):
                    as_index = torch.as_tensor(rows, dtype=torch.long)
                    self.register_buffer(f"rows_{g}_{k}", as_index, persistent=False)
                self.reads.append(
                    [(buffer, f"rows_{g}_{k}") for k, (buffer, _) in enumerate(blocks)]
                )

        def forward(self, *inputs: Any) -> Any:
            if len(inputs) != len(self.input_shapes):
                raise TypeError(
                    f"expected {len(self.input_shapes)} input tensors, got {len(inputs)}"
                )
            device = self.params.device
            width = inputs[0].shape[0] if inputs else 1
            rows = [x.reshape(width, -1).T.to(device, torch.float64) for x in inputs]
            batch = torch.cat(rows) if rows else torch.zeros((0, 1), dtype=torch.float64)
            constants = cast(torch.Tensor, self.constants)  # a buffer, typed Tensor | Module
            fixed = torch.cat([self.params, self.captured, constants])[:, None]
            tables = [batch.to(device), fixed]
            computed = LateRows()
            for group, reads, mask in zip(self.groups, self.reads, self.masks):
                blocks = [tables[buffer][getattr(self, name)] for buffer, name in reads]
                out_width = width if group.out.buffer == BATCH else 1
                late = None if mask is None else LateMask(computed, mask[0], getattr(self, mask[1]))
                result = _compute(group, blocks, (group.out.size, out_width), late)
                tables[group.out.buffer] = torch.cat([tables[group.out.buffer], result])
            computed.tables = tables
            columns = [tables[buffer][row].expand(width) for buffer, row in self.outputs]
            return columns[0] if self.single_output else torch.stack(columns, dim=1)

    class OpFunction(torch.autograd.Function):
        """The nodes of one op: its ``forward`` on tensors, and its own ``backward`` when
        autograd asks, as eager mode and replay run them.

        Differentiating ``forward`` instead would go through ``xp.where``'s gradient,
        which is NaN where the branch not picked overflows (sigmoid at 800). Both are
        written in torch operations, so autograd also differentiates the backward
        (second order).
        """

        @staticmethod
        def forward(ctx: Any, op: Any, mask: Any, *inputs: Any) -> Any:
            out = op.forward(xp, *inputs, **op.attrs)
            if not isinstance(out, torch.Tensor):  # an op may return a number
                out = torch.as_tensor(out, dtype=torch.float64, device=inputs[0].device)
            if any(out is x for x in inputs):  # autograd wants a tensor of its own
                out = out.clone()
            ctx.op = op
            ctx.mask = mask
            ctx.save_for_backward(out, *inputs)
            return out

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            out, *inputs = ctx.saved_tensors
            grads = ctx.op.backward(xp, grad, out, *inputs, **ctx.op.attrs)
            if len(grads) != len(inputs):
                raise ValueError(
                    f"backward of op {ctx.op.name!r} returned {len(grads)} gradients "
                    f"for {len(inputs)} inputs"
                )
            live = None if ctx.mask is None else ctx.mask.read(grad.shape[-1])
            shaped = []
            for g, x in zip(grads, inputs):
                g = torch.as_tensor(g, dtype=torch.float64, device=grad.device)
                g = g.expand(grad.shape)
                if live is not None:
                    g = torch.where(live, g, -0.0)
                if x.shape[-1] != g.shape[-1]:  # a FIXED input of a batched node
                    g = g.sum(-1, keepdim=True)
                shaped.append(g)
            return (None, None, *shaped)

    def _read_blocks(group: Any) -> list[tuple[int, np.ndarray]]:
        """What a group reads, as (buffer, rows) blocks: one per op input; for a sum,
        its BATCH terms, FIXED terms, weights and pair inputs, each a (size, n) table."""
        if not isinstance(group.kind, SumKind):
            return [(read.buffer, read.rows) for read in group.reads]
        n_terms, n_pairs = group.n_terms, group.kind.n_pairs
        terms = group.reads[:n_terms]
        table = lambda reads: np.stack([r.rows for r in reads], axis=1)  # noqa: E731
        blocks = []
        for buffer in (BATCH, FIXED):
            chosen = [r for r in terms if r.buffer == buffer]
            blocks.append((buffer, table(chosen) if chosen else np.zeros((group.out.size, 0))))
        if n_pairs:
            weights, inputs = (
                group.reads[n_terms : n_terms + n_pairs],
                group.reads[n_terms + n_pairs :],
            )
            input_rows = table(inputs)
            shared = bool(np.all(input_rows == input_rows[0]))
            blocks.append((FIXED, table(weights)))
            blocks.append((inputs[0].buffer, input_rows[0] if shared else input_rows))
        return blocks

    class LivePairs(torch.autograd.Function):
        """A merged sum's (weight, input) products under a liveness mask: a weight gets
        nothing from examples whose graph lacks the sum (``steps._Pairs``), where an
        input that overflowed would add 0 * inf = NaN through the matrix product."""

        @staticmethod
        def forward(ctx: Any, mask: Any, weights: Any, inputs: Any) -> Any:
            ctx.mask = mask
            ctx.save_for_backward(weights, inputs)
            return pair_products(weights, inputs, shared=inputs.ndim == 2)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            weights, inputs = ctx.saved_tensors
            live = ctx.mask.read(grad.shape[-1])
            d_weights = live_weight_gradients(xp, grad, inputs, live)
            shared = inputs.ndim == 2
            d_inputs = weights.T @ grad if shared else weights[:, :, None] * grad[:, None, :]
            return None, d_weights, d_inputs

    class LateRows:
        """The rows of one forward pass, filled in when it ends: a liveness mask
        (``schedule.py``) is computed after the nodes it masks, and read by their backward."""

        tables: list[Any]

    class LateMask:
        """One group's liveness mask rows, read from the pass's ``LateRows`` in backward."""

        def __init__(self, computed: LateRows, buffer: int, rows: Any) -> None:
            self.computed, self.buffer, self.rows = computed, buffer, rows

        def read(self, width: int) -> Any:
            mask = self.computed.tables[self.buffer][self.rows].detach()
            return live_examples(xp, mask, width)

    def _compute(group: Any, blocks: list[Any], shape: tuple[int, int], mask: Any) -> Any:
        """The group's nodes as a ``shape`` tensor, from the blocks ``_read_blocks`` describes."""
        if not isinstance(group.kind, SumKind):
            return OpFunction.apply(group.op, mask, *blocks).expand(shape)
        batch_terms, fixed_terms = blocks[0], blocks[1]
        total = None
        if batch_terms.shape[1]:
            total = batch_terms.sum(1)
        if fixed_terms.shape[1]:
            fixed_total = fixed_terms.sum(1)
            total = fixed_total if total is None else fixed_total + total
        if group.kind.n_pairs:
            weights, inputs = blocks[2][:, :, 0], blocks[3]
            if mask is None:
                products = pair_products(weights, inputs, shared=inputs.ndim == 2)
            else:
                products = LivePairs.apply(mask, weights, inputs)
            total = products if total is None else products + total
        assert total is not None  # a sum has at least one term or pair
        return total.expand(shape)

    return TracedModule


__all__ = [
    "BatchObjective",
    "Replay",
    "compile_batch",
    "torch_module_class",
    "trace",
    "trace_graph",
]
