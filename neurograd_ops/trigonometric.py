"""Bundled plugin: the trigonometric functions and their inverses, as PyTorch has them.

Each is written once over ``xp``; the gradients are PyTorch's formulas (derivatives.yaml),
so they agree with it at special values too: asin'(±1) is ±inf, atan2's gradient at
the origin is 0. Backward bodies use ``xp.sin`` and friends, which on Values are these
very ops: every gradient can be differentiated again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl


def sin(xp: Any, x: Any) -> Any:
    """sine."""
    return xp.sin(x)


def sin_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * xp.cos(x),)


def cos(xp: Any, x: Any) -> Any:
    """cosine."""
    return xp.cos(x)


def cos_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * -xp.sin(x),)


def tan(xp: Any, x: Any) -> Any:
    """tangent."""
    return xp.tan(x)


def tan_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * (1 + out * out),)


def asin(xp: Any, x: Any) -> Any:
    """inverse sine."""
    return xp.asin(x)


def asin_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / xp.sqrt(1 - x * x),)


def acos(xp: Any, x: Any) -> Any:
    """inverse cosine."""
    return xp.acos(x)


def acos_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (-grad / xp.sqrt(1 - x * x),)


def atan(xp: Any, x: Any) -> Any:
    """inverse tangent."""
    return xp.atan(x)


def atan_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / (x * x + 1),)


def atan2(xp: Any, y: Any, x: Any) -> Any:
    """the angle of the point (x, y): atan2(y, x)."""
    return xp.atan2(y, x)


def atan2_backward(xp: Any, grad: Any, out: Any, y: Any, x: Any) -> tuple[Any, Any]:
    # PyTorch's form: one reciprocal of y² + x², taken as 0 where that is 0 (at the
    # origin, or where the squares underflow), so the gradient there is 0, not nan
    squares = y * y + x * x
    reciprocal = xp.where(xp.equal(squares, 0), 0.0, 1 / squares)
    return grad * x * reciprocal, grad * -y * reciprocal


def _torch(name: str) -> Callable[..., Any]:
    """``torch.<name>``, imported only when the conformance kit calls it."""

    def call(*tensors: Any) -> Any:
        import torch

        return getattr(torch, name)(*tensors)

    return call


def _inside_unit_interval(x: float) -> bool:
    return -1.0 < x < 1.0


def _away_from_poles(x: float) -> bool:
    """tan has poles at odd multiples of pi/2."""
    return abs(math.cos(x)) > 0.1


def _away_from_branch_cut(y: float, x: float) -> bool:
    """atan2 jumps by 2*pi across the negative x axis and has no gradient at the origin."""
    return x > 0.0 or abs(y) > 0.1


OPS = (
    Op("sin", sin, sin_backward, torch=_torch("sin")),
    Op("cos", cos, cos_backward, torch=_torch("cos")),
    Op("tan", tan, tan_backward, torch=_torch("tan"), domain=_away_from_poles),
    Op("asin", asin, asin_backward, torch=_torch("asin"), domain=_inside_unit_interval),
    Op("acos", acos, acos_backward, torch=_torch("acos"), domain=_inside_unit_interval),
    Op("atan", atan, atan_backward, torch=_torch("atan")),
    Op("atan2", atan2, atan2_backward, torch=_torch("atan2"), domain=_away_from_branch_cut),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
