"""Tracing: build a graph once with Values and hand it to ``Replay``; guard against stale traces.

A trace records the graph that one example produced. If the function takes a
different path for other data (a Python ``if`` on a Value's ``.data``, a
constant picked by a comparison, ``max()`` over Values' data), replaying that
graph would silently compute the wrong thing. Python gives no hook to see a
``.data`` read, so the tracer compares instead: the function is run eagerly
again on other examples and each resulting graph must equal the trace node for
node (same ops, attributes, wiring and constants), else ``StaleTraceError``:

* when tracing: on ``verify`` further examples of the batch it is given,
  spread over the batch;
* while replaying: every ``recheck_every``-th ``forward`` re-runs one example
  of that batch, in turn (this catches branches on parameters, which change
  during training). Those checks build Values; the other steps build none.
* on demand: ``replay.check(*arrays)`` re-runs every example (or the ones asked).

This is a check on samples, not a proof: a branch that no checked example
takes can go unseen. A replay made by ``trace_graph`` from an existing graph
has no function to re-run and is replayed as recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurograd_core.errors import NeurogradError
from neurograd_core.replay.backend import make_backend
from neurograd_core.replay.graph import FlatGraph, describe, flatten
from neurograd_core.replay.replay import Replay
from neurograd_core.value import Value


class StaleTraceError(NeurogradError, RuntimeError):
    """The traced graph differs from what the function computes on some example."""


InputSpec = Sequence[Value | Sequence[Value]]


def _input_leaves(inputs: InputSpec) -> tuple[list[Value], list[tuple[int, ...]]]:
    """The input Values in slot order, and each input's per-example shape."""
    leaves: list[Value] = []
    shapes: list[tuple[int, ...]] = []
    for i, entry in enumerate(inputs):
        if isinstance(entry, Value):
            leaves.append(entry)
            shapes.append(())
        elif isinstance(entry, (list, tuple)):
            leaves.extend(entry)
            shapes.append((len(entry),))
        else:
            raise TypeError(
                f"input {i} is {type(entry).__name__}; expected a Value or a list of them"
            )
    return leaves, shapes


def _outputs(result: Any) -> tuple[list[Value], bool]:
    if isinstance(result, Value):
        return [result], True
    if isinstance(result, (list, tuple)) and result:
        return list(result), False
    raise TypeError(
        f"the traced function returned {type(result).__name__}; expected a Value "
        "or a non-empty list of Values"
    )


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
    ``(N,)``) or a list of k Values (an array of shape ``(N, k)``). Other leaves are
    constants (their current ``.data`` is read at every run). ``backend`` is
    ``"numpy"`` or ``"torch"`` (then ``device`` may name e.g. ``"cuda"``).
    """
    engine = make_backend(backend, device)
    roots, single = _outputs(outputs)
    leaves, shapes = _input_leaves(inputs)
    graph = flatten(roots, leaves, params)
    return Replay(graph, shapes, params, single, backend=engine)


def trace(
    fn: Callable[..., Any],
    params: Sequence[Value],
    *arrays: Any,
    verify: int = 8,
    recheck_every: int = 100,
    backend: str = "numpy",
    device: Any = None,
) -> Replay:
    """Trace ``fn`` on the first example of ``arrays`` and return its replay.

    ``fn`` receives one argument per array: a Value for an array of shape ``(N,)``,
    a list of k Values for one of shape ``(N, k)``; it returns a Value or a list of
    Values (the outputs of one example). The Values it uses that are in ``params``
    are parameters; any other leaf it did not get as an argument is a constant.
    ``verify`` and ``recheck_every`` set the stale-trace checks (module docstring).
    ``backend`` is ``"numpy"`` or ``"torch"`` (then ``device`` may name e.g. ``"cuda"``):
    the library the replay runs on, with each op's one definition.
    """
    engine = make_backend(backend, device)
    if not callable(fn):
        raise TypeError(f"trace() needs a function, got {type(fn).__name__}")
    params = list(params)
    columns = _as_batch(arrays)
    expected, single = _run_eagerly(fn, params, columns, 0)
    shapes = [column.shape[1:] for column in columns]

    def checker(batch: Sequence[Any], example: int) -> None:
        got, _ = _run_eagerly(fn, params, _as_batch(batch), example)
        _compare(expected, got, fn, example)

    replay = Replay(expected, shapes, params, single, checker, recheck_every, engine)
    n_examples = len(columns[0]) if columns else 1
    for example in _spread(n_examples, verify):
        checker(arrays, example)
    return replay


def _as_batch(arrays: Sequence[Any]) -> list[np.ndarray]:
    columns = [_as_numpy(array) for array in arrays]
    for i, column in enumerate(columns):
        if column.ndim not in (1, 2):
            raise ValueError(f"input {i} has shape {column.shape}; expected (N,) or (N, k)")
        if len(column) == 0:
            raise ValueError(f"input {i} is empty: tracing needs at least one example")
        if len(column) != len(columns[0]):
            raise ValueError(f"input {i} has {len(column)} examples, input 0 has {len(columns[0])}")
    return columns


def _as_numpy(array: Any) -> np.ndarray:
    if hasattr(array, "detach"):  # a torch tensor, maybe on a GPU
        array = array.detach().cpu().numpy()
    return np.asarray(array, dtype=np.float64)


def _spread(n_examples: int, count: int) -> list[int]:
    """Up to ``count`` example indices other than 0, spread evenly over the batch."""
    if n_examples <= 1 or count <= 0:
        return []
    picks = np.linspace(1, n_examples - 1, min(count, n_examples - 1)).round().astype(int)
    return sorted(set(picks.tolist()))


def _run_eagerly(
    fn: Callable[..., Any], params: list[Value], columns: list[np.ndarray], i: int
) -> tuple[FlatGraph, bool]:
    """fn's graph for example ``i``, flattened, and whether fn returned a single Value."""
    arguments: list[Any] = []
    for column in columns:
        row = column[i]
        arguments.append(Value(float(row)) if row.ndim == 0 else [Value(x) for x in row.tolist()])
    roots, single = _outputs(fn(*arguments))
    leaves, _ = _input_leaves(arguments)
    return flatten(roots, leaves, params), single


def _compare(expected: FlatGraph, got: FlatGraph, fn: Callable[..., Any], example: int) -> None:
    want, have = expected.signature(), got.signature()
    if want == have:
        return
    position = next(
        (k for k, (a, b) in enumerate(zip(want, have)) if a != b), min(len(want), len(have))
    )
    traced = describe(want[position]) if position < len(want) else "nothing"
    now = describe(have[position]) if position < len(have) else "nothing"
    name = getattr(fn, "__qualname__", repr(fn))
    raise StaleTraceError(
        f"{name} builds a different graph for example {example} than the one traced: "
        f"node {position} is {traced} in the trace but {now} now "
        f"({len(want)} vs {len(have)} nodes). Its structure depends on the data (a Python "
        "`if` on a Value's .data?), so it cannot be replayed; compute the branch with ops "
        "(relu, abs, ...) or run it eagerly."
    )
