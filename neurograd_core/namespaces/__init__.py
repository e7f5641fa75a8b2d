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

# Python array API standard names, element-wise, and three that numpy and PyTorch have
# beyond it (erf, erfc, fmod: see ``array_namespace``). docs/plugins.md lists them too.
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
    "erf",
    "erfc",
    "exp",
    "expm1",
    "floor",
    "floor_divide",
    "fmod",
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


class _Extended:
    """A library's array-API namespace, plus the contract names the standard lacks.

    Attributes it does not hold itself are the library's (looked up on use).
    """

    def __init__(self, base: Any, **extra: Any) -> None:
        self.__dict__.update(extra)
        self._base = base
        self._extra = tuple(sorted(extra))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)

    def __repr__(self) -> str:
        return f"<{self._base.__name__} with {', '.join(self._extra)}>"


def _numpy_special(function: Any) -> Any:
    """``function`` (math.erf, ...) element by element on a numpy array, as float64.

    numpy has no erf; this gives what the scalar namespace gives, bit for bit, at the
    cost of one Python call per element (scipy is not a dependency).
    """
    import numpy as np

    ufunc = np.frompyfunc(function, 1, 1)

    def call(x: Any) -> Any:
        return np.asarray(ufunc(x), dtype=np.float64)

    return call


def _torch_fmod(a: Any, b: Any) -> Any:
    """``torch.fmod``, exact where a / b overflows.

    PyTorch's vectorized fmod (CPU, 8 elements or more) gives nan there, although the
    remainder is finite (its one-element form and C's give it): fmod(1e308, 5e-324)
    is 0. Those elements, rare, are recomputed with numpy.
    """
    import numpy as np
    import torch

    a, b = torch.broadcast_tensors(torch.as_tensor(a), torch.as_tensor(b))
    result = torch.fmod(a, b)
    overflowed = torch.isinf(a / b) & torch.isfinite(a) & (b != 0)
    if bool(overflowed.any()):
        exact = np.fmod(a[overflowed].cpu().numpy(), b[overflowed].cpu().numpy())
        result[overflowed] = torch.as_tensor(exact, dtype=result.dtype, device=result.device)
    return result


_NAMESPACES: dict[str, Any] = {}


def array_namespace(backend: str) -> Any:
    """The array-API namespace of ``backend`` ("numpy" or "torch"), from array-api-compat,
    with every name of ``FUNCTIONS``."""
    namespace = _NAMESPACES.get(backend)
    if namespace is not None:
        return namespace
    if backend == "numpy":
        import math

        import array_api_compat.numpy

        namespace = _Extended(
            array_api_compat.numpy,
            erf=_numpy_special(math.erf),
            erfc=_numpy_special(math.erfc),
        )
    elif backend == "torch":
        import array_api_compat.torch
        import torch

        namespace = _Extended(
            array_api_compat.torch,
            erf=torch.special.erf,
            erfc=torch.special.erfc,
            fmod=_torch_fmod,
        )
    else:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    _NAMESPACES[backend] = namespace
    return namespace
