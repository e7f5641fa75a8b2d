"""Thread-local switches that change how nodes are built: ``no_grad``, ``detect_anomaly``
and, for replay's tracer, ``recording_branches``.

Node creation is the hot path and a thread-local lookup costs more than the
rest of a node's bookkeeping, so the methods first read ``active``: the number
of these blocks open in any thread. Only while it is non-zero do they take the
general path, which reads this thread's own ``state``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

active = 0  # no_grad / detect_anomaly blocks currently open, over all threads
recording = 0  # op bodies recording their comparisons, over all threads (comparisons read it)
_active_lock = threading.Lock()


class _ThreadState(threading.local):
    # Class attributes are the defaults every new thread starts with.
    grad_enabled: bool = True
    anomaly: bool = False
    branches_recorded: bool = False  # see recording_branches
    comparisons_recorded: bool = False  # an op body runs on Values while branches are recorded


state = _ThreadState()


def is_grad_enabled() -> bool:
    """Whether operations in this thread record a graph."""
    return state.grad_enabled


def is_anomaly_enabled() -> bool:
    """Whether this thread checks every value and gradient for NaN and infinity."""
    return state.anomaly


@contextmanager
def _switched(name: str, value: bool) -> Iterator[None]:
    global active
    previous = getattr(state, name)
    with _active_lock:
        active += 1
    setattr(state, name, value)
    try:
        yield
    finally:
        setattr(state, name, previous)
        with _active_lock:
            active -= 1


def no_grad() -> AbstractContextManager[None]:
    """Compute values without recording the graph, as ``torch.no_grad`` does.

    Results are leaves: they have no children and ``backward()`` stops at them.
    """
    return _switched("grad_enabled", False)


def detect_anomaly() -> AbstractContextManager[None]:
    """Raise ``AnomalyError`` at the first non-finite value or gradient, naming its op."""
    return _switched("anomaly", True)


@contextmanager
def recording_branches() -> Iterator[None]:
    """Differentiate gradients into graphs that do not depend on the data (for replay).

    Inside, op bodies that run on Values (``grad(..., create_graph=True)``) turn
    their comparisons and ``xp.where`` into nodes (``neurograd_core.branches``)
    instead of picking a branch. Comparisons in other code still give bools.
    """
    previous = state.branches_recorded
    state.branches_recorded = True
    try:
        yield
    finally:
        state.branches_recorded = previous


def record_comparisons(on: bool) -> None:
    """Start (or stop) turning this thread's Value comparisons into nodes: for the span of
    one op body that runs on Values while branches are recorded (``autograd``)."""
    global recording
    if state.comparisons_recorded == on:
        return
    with _active_lock:
        recording += 1 if on else -1
    state.comparisons_recorded = on
