"""Thread-local switches that change how nodes are built: ``no_grad`` and ``detect_anomaly``.

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
_active_lock = threading.Lock()


class _ThreadState(threading.local):
    # Class attributes are the defaults every new thread starts with.
    grad_enabled: bool = True
    anomaly: bool = False


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
