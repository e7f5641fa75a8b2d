"""The array namespaces an op body runs on, and the names it may use from them.

An op is written once, as ``forward(xp, *inputs, **attrs)`` and
``backward(xp, grad, out, *inputs, **attrs)``. Which ``xp`` it gets depends on
what it computes on:

* Python floats, in eager mode: ``scalar.NAMESPACE`` (never raises; IEEE 754).
* numpy arrays or torch tensors, in replay: their array-API namespace, from
  ``array-api-compat``.
* ``Value``s, when a gradient is differentiated: ``values.NAMESPACE``, whose
  functions build graph nodes.

``FUNCTIONS`` is the contract: every namespace provides each of these names
(a test checks it), so an op body that keeps to them, the arithmetic operators
and the comparisons ``< <= > >=`` runs everywhere.
"""

from __future__ import annotations

from typing import Any

# Python array API standard names, element-wise. docs/plugins.md lists them too.
FUNCTIONS: tuple[str, ...] = (
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "cos",
    "cosh",
    "equal",
    "exp",
    "expm1",
    "floor",
    "hypot",
    "log",
    "log1p",
    "log2",
    "log10",
    "maximum",
    "minimum",
    "round",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "trunc",
    "where",
)

BACKENDS = ("numpy", "torch")


def array_namespace(backend: str) -> Any:
    """The array-API namespace of ``backend`` ("numpy" or "torch"), from array-api-compat."""
    if backend == "numpy":
        import array_api_compat.numpy

        return array_api_compat.numpy
    if backend == "torch":
        import array_api_compat.torch

        return array_api_compat.torch
    raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
