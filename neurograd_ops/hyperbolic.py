"""Bundled plugin: the hyperbolic functions and their inverses, as PyTorch has them.

``tanh`` is in ``activations``. Gradients are PyTorch's formulas, written once over
``xp``: acosh'(1) and atanh'(±1) are infinite, outside the domain they are nan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl


def sinh(xp: Any, x: Any) -> Any:
    """hyperbolic sine."""
    return xp.sinh(x)


def sinh_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * xp.cosh(x),)


def cosh(xp: Any, x: Any) -> Any:
    """hyperbolic cosine."""
    return xp.cosh(x)


def cosh_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * xp.sinh(x),)


def asinh(xp: Any, x: Any) -> Any:
    """inverse hyperbolic sine."""
    return xp.asinh(x)


def asinh_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / xp.sqrt(x * x + 1),)


def acosh(xp: Any, x: Any) -> Any:
    """inverse hyperbolic cosine."""
    return xp.acosh(x)


def acosh_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / xp.sqrt(x * x - 1),)


def atanh(xp: Any, x: Any) -> Any:
    """inverse hyperbolic tangent."""
    return xp.atanh(x)


def atanh_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / (1 - x * x),)


def _torch(name: str) -> Callable[..., Any]:
    def call(x: Any) -> Any:
        return getattr(x, name)()

    return call


OPS = (
    Op("sinh", sinh, sinh_backward, torch=_torch("sinh")),
    Op("cosh", cosh, cosh_backward, torch=_torch("cosh")),
    Op("asinh", asinh, asinh_backward, torch=_torch("asinh")),
    Op("acosh", acosh, acosh_backward, torch=_torch("acosh"), domain=lambda x: x > 1.0),
    Op("atanh", atanh, atanh_backward, torch=_torch("atanh"), domain=lambda x: -1.0 < x < 1.0),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
