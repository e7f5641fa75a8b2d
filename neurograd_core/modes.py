"""Thread-local switches that change how nodes are built: ``no_grad`` and ``detect_anomaly``.

Both are read on the hot path, so the state is one thread-local object whose
``fast`` flag is True exactly when neither switch is on; node creation checks
that single attribute and only takes the slow path when it is False.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _ThreadState(threading.local):
    # Class attributes are the defaults every new thread starts with.
    grad_enabled: bool = True
    anomaly: bool = False
    fast: bool = True

    def refresh(self) -> None:
        self.fast = self.grad_enabled and not self.anomaly


state = _ThreadState()


def is_grad_enabled() -> bool:
    """Whether operations in this thread record a graph."""
    return state.grad_enabled


def is_anomaly_enabled() -> bool:
    """Whether this thread checks every value and gradient for NaN and infinity."""
    return state.anomaly


@contextmanager
def no_grad() -> Iterator[None]:
    """Compute values without recording the graph, as ``torch.no_grad`` does.

    Results are leaves: they have no children and ``backward()`` stops at them.
    """
    previous = state.grad_enabled
    state.grad_enabled = False
    state.refresh()
    try:
        yield
    finally:
        state.grad_enabled = previous
        state.refresh()


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``AnomalyError`` at the first non-finite value or gradient, naming its op."""
    previous = state.anomaly
    state.anomaly = True
    state.refresh()
    try:
        yield
    finally:
        state.anomaly = previous
        state.refresh()
