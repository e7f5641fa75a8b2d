"""Bundled plugin: two-input choices and bounds -- ``minimum maximum hypot clamp``.

Gradients are PyTorch's: where ``maximum``'s inputs tie, each gets half the gradient
(so ``maximum(x, x)`` has slope 1), and where one is nan both get all of it.
``clamp(x, min=, max=)`` takes its bounds as attributes; its gradient is 1 on the
closed interval between them and 0 outside, or at nan. With neither bound it is the
identity, as the array API standard's ``clip`` (PyTorch refuses it instead).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl


def maximum(xp: Any, a: Any, b: Any) -> Any:
    """the larger of a and b (ties share the gradient)."""
    return xp.maximum(a, b)


def maximum_backward(xp: Any, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    shared = xp.where(xp.equal(a, b), grad / 2, grad)
    return xp.where(a < b, 0.0, shared), xp.where(a > b, 0.0, shared)


def minimum(xp: Any, a: Any, b: Any) -> Any:
    """the smaller of a and b (ties share the gradient)."""
    return xp.minimum(a, b)


def minimum_backward(xp: Any, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    shared = xp.where(xp.equal(a, b), grad / 2, grad)
    return xp.where(a > b, 0.0, shared), xp.where(a < b, 0.0, shared)


def hypot(xp: Any, a: Any, b: Any) -> Any:
    """sqrt(a**2 + b**2) without overflow."""
    return xp.hypot(a, b)


def hypot_backward(xp: Any, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # PyTorch's: nan at the origin (0 / 0)
    return grad * a / out, grad * b / out


def clamp(xp: Any, x: Any, *, min: float | None = None, max: float | None = None) -> Any:  # noqa: A002
    """x limited to [min, max] (attributes; either may be left out)."""
    # a bound is an attribute (a number), so a Python `if` on it is fine; nan stays nan
    if min is not None:
        x = xp.where(x < min, min, x)
    if max is not None:
        x = xp.where(x > max, max, x)
    return x


def clamp_backward(
    xp: Any,
    grad: Any,
    out: Any,
    x: Any,
    *,
    min: float | None = None,  # noqa: A002
    max: float | None = None,  # noqa: A002
) -> tuple[Any]:
    if min is not None and max is not None:
        return (xp.where((x >= min) & (x <= max), grad, 0.0),)
    if min is not None:
        return (xp.where(x >= min, grad, 0.0),)
    if max is not None:
        return (xp.where(x <= max, grad, 0.0),)
    return (grad,)


def _torch(name: str) -> Callable[..., Any]:
    def call(*tensors: Any, **attrs: Any) -> Any:
        import torch

        return getattr(torch, name)(*tensors, **attrs)

    return call


def _torch_clamp(x: Any, *, min: float | None = None, max: float | None = None) -> Any:  # noqa: A002
    if min is None and max is None:
        return x * 1.0  # PyTorch refuses clamp() without bounds
    return x.clamp(min=min, max=max)


OPS = (
    # no domain: at a tie the half-and-half gradient is what central differences give
    Op("maximum", maximum, maximum_backward, torch=_torch("maximum")),
    Op("minimum", minimum, minimum_backward, torch=_torch("minimum")),
    Op(
        "hypot",
        hypot,
        hypot_backward,
        torch=_torch("hypot"),
        domain=lambda a, b: abs(a) + abs(b) > 0.1,
    ),
    Op("clamp", clamp, clamp_backward, torch=_torch_clamp),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
