"""Neurograd plugin: sin, cos, atan and atan2, the way a third party writes one.

Each op is a forward and a backward over plain floats. They never raise on
floats: sin(inf) is nan (Python's math.sin raises there), as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl
from neurograd_core.ieee import divide


def sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else math.nan


def cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def _sin_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * cos(x),)


def _cos_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (-grad * sin(x),)


def _atan_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (divide(grad, 1.0 + x * x),)


def _atan2_backward(grad: float, out: float, y: float, x: float) -> tuple[float, float]:
    # d atan2(y, x) = (x dy - y dx) / (x² + y²); at the origin 0/0 gives nan, as PyTorch does
    r2 = x * x + y * y
    return divide(grad * x, r2), divide(-grad * y, r2)


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
    Op("sin", sin, _sin_backward, torch=_torch("sin")),
    Op("cos", cos, _cos_backward, torch=_torch("cos")),
    Op("atan", math.atan, _atan_backward, torch=_torch("atan")),
    Op("atan2", math.atan2, _atan2_backward, torch=_torch("atan2"), domain=_away_from_branch_cut),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
