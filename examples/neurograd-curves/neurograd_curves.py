"""Neurograd plugin: sin, cos, atan and atan2, the way a third party writes one.

Each op is written once over the array namespace ``xp``: the same functions run
eagerly on floats, replayed on numpy arrays and torch tensors, and on Values
for second derivatives. They never raise on floats: sin(inf) is nan, as in
PyTorch (the scalar namespace sees to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl


def sin(xp: Any, x: Any) -> Any:
    return xp.sin(x)


def sin_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * xp.cos(x),)


def cos(xp: Any, x: Any) -> Any:
    return xp.cos(x)


def cos_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (-grad * xp.sin(x),)


def atan(xp: Any, x: Any) -> Any:
    return xp.atan(x)


def atan_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / (1 + x * x),)


def atan2(xp: Any, y: Any, x: Any) -> Any:
    return xp.atan2(y, x)


def atan2_backward(xp: Any, grad: Any, out: Any, y: Any, x: Any) -> tuple[Any, Any]:
    # d atan2(y, x) = (x dy - y dx) / (x² + y²); at the origin 0/0 gives nan, as PyTorch does
    r2 = x * x + y * y
    return grad * x / r2, -grad * y / r2


def _away_from_branch_cut(y: float, x: float) -> bool:
    """atan2 jumps by 2π across the negative x axis and has no gradient at the origin."""
    return x > 0.0 or abs(y) > 0.1


def _torch(name: str) -> Callable[..., Any]:
    """The PyTorch function of that name, imported only when the conformance kit calls it."""

    def call(*tensors: Any) -> Any:
        import torch

        return getattr(torch, name)(*tensors)

    return call


OPS = (
    Op("sin", sin, sin_backward, torch=_torch("sin")),
    Op("cos", cos, cos_backward, torch=_torch("cos")),
    Op("atan", atan, atan_backward, torch=_torch("atan")),
    Op("atan2", atan2, atan2_backward, torch=_torch("atan2"), domain=_away_from_branch_cut),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
