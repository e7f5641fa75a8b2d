"""Bundled plugin: the error function, its complement, and the normalized sinc.

``erf`` and ``erfc`` come from each namespace's ``xp.erf``/``xp.erfc`` (``math.erf``
on floats, ``torch.special.erf`` on tensors; numpy has none, so Neurograd's numpy
namespace applies ``math.erf`` element by element). ``erfc`` keeps its digits far
in the tail, where ``1 - erf(x)`` is 0. ``sinc(x) = sin(pi x) / (pi x)``, 1 at 0,
as ``torch.sinc``; its gradient is PyTorch's, 0 where ``pi x**2`` is 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
PI = math.pi
BEND_AT_ZERO = -(math.pi**2) / 3  # sinc''(0), from sinc(x) = 1 - (pi x)**2 / 6 + ...
INF = math.inf


def erf(xp: Any, x: Any) -> Any:
    """error function."""
    return xp.erf(x)


def erf_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (TWO_OVER_SQRT_PI * xp.exp(-(x * x)) * grad,)


def erfc(xp: Any, x: Any) -> Any:
    """1 - erf(x), exact in the tail."""
    return xp.erfc(x)


def erfc_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (-TWO_OVER_SQRT_PI * xp.exp(-(x * x)) * grad,)


def sinc(xp: Any, x: Any) -> Any:
    """sin(pi x) / (pi x), 1 at 0."""
    product = PI * x
    return xp.where(xp.equal(x, 0), 1.0, xp.sin(product) / product)


def sinc_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    product = x * PI
    squared = x * x * PI
    slope = grad * (product * xp.cos(product) - xp.sin(product)) / squared
    # At 0 the slope is PyTorch's 0, whatever grad is; written as grad * x * (-pi**2/3)
    # (which is 0 there), so that its own derivative is sinc''(0) = -pi**2/3, where
    # PyTorch's is nan (0/0). A subnormal x whose square is 0 keeps PyTorch's 0.
    at_zero = xp.where(xp.abs(grad) < INF, grad * (x * BEND_AT_ZERO) + 0.0, 0.0)
    return (xp.where(xp.equal(squared, 0), xp.where(xp.equal(x, 0), at_zero, 0.0), slope),)


def _torch(name: str) -> Callable[..., Any]:
    def call(x: Any) -> Any:
        return getattr(x, name)()

    return call


OPS = (
    Op("erf", erf, erf_backward, torch=_torch("erf")),
    Op("erfc", erfc, erfc_backward, torch=_torch("erfc")),
    Op("sinc", sinc, sinc_backward, torch=_torch("sinc")),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
