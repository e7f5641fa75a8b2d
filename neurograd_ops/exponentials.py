"""Bundled plugin: exponentials and logarithms beyond ``exp`` and ``log``.

``log1p`` and ``expm1`` are exact near zero where ``log(1 + x)`` and
``exp(x) - 1`` lose every digit; softplus and friends differentiate through
them. Each op is written once over ``xp`` (no fast form: none is on a hot path).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl

LN2 = math.log(2.0)
LN10 = math.log(10.0)


def log1p(xp: Any, x: Any) -> Any:
    """log(1 + x), exact near 0."""
    return xp.log1p(x)


def log1p_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / (1 + x),)


def expm1(xp: Any, x: Any) -> Any:
    """e**x - 1, exact near 0."""
    return xp.expm1(x)


def expm1_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * (out + 1),)


def exp2(xp: Any, x: Any) -> Any:
    """2**x."""
    return 2.0**x


def exp2_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * out * LN2,)


def log2(xp: Any, x: Any) -> Any:
    """base-2 logarithm."""
    return xp.log2(x)


def log2_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / (x * LN2),)


def log10(xp: Any, x: Any) -> Any:
    """base-10 logarithm."""
    return xp.log10(x)


def log10_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / (x * LN10),)


def _tensor_method(name: str) -> Callable[[Any], Any]:
    return lambda x: getattr(x, name)()


OPS = (
    Op("log1p", log1p, log1p_backward, torch=_tensor_method("log1p"), domain=lambda x: x > -1.0),
    Op("expm1", expm1, expm1_backward, torch=_tensor_method("expm1")),
    Op("exp2", exp2, exp2_backward, torch=_tensor_method("exp2")),
    Op("log2", log2, log2_backward, torch=_tensor_method("log2"), domain=lambda x: x > 0.0),
    Op("log10", log10, log10_backward, torch=_tensor_method("log10"), domain=lambda x: x > 0.0),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
