"""Exceptions that Neurograd raises on purpose, so callers can catch exactly these."""

from __future__ import annotations


class NeurogradError(Exception):
    """Base class of every error Neurograd raises deliberately."""


class InvalidOpError(NeurogradError, ValueError):
    """An op declaration broke the contract (bad name, arity, non-callable parts)."""


class OpConflictError(NeurogradError, ValueError):
    """Two providers registered an op under the same name."""


class UnknownOpError(NeurogradError, LookupError):
    """An op name that no plugin registered."""


class PluginLoadError(NeurogradError, RuntimeError):
    """A plugin failed to import or to register (raised only in strict mode)."""


class ForwardError(NeurogradError, RuntimeError):
    """An op's forward raised while computing a node; the original error is the cause."""


class BackwardError(NeurogradError, RuntimeError):
    """An op's backward failed or broke the contract while ``backward()`` ran."""


class AnomalyError(NeurogradError, FloatingPointError):
    """A non-finite value or gradient appeared while ``detect_anomaly()`` was on."""
