"""Bundled plugin: rounding and remainders, as PyTorch has them.

``sign floor ceil round trunc`` are flat almost everywhere: their gradient is zero,
as in PyTorch (at a jump too). ``round`` rounds half to even. ``sign`` follows
PyTorch, not numpy: sign(nan) is 0.

``remainder`` backs ``%``: the result takes the divisor's sign, as in Python and
PyTorch (``-7 % 3`` is 2); a zero result keeps the dividend's sign, as in PyTorch.
``fmod`` takes the dividend's sign, as C does (``fmod(-7, 3)`` is -1). Both are
differentiable in both inputs, with PyTorch's gradient for the divisor: minus the
quotient, floored or truncated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl


def sign(xp: Any, x: Any) -> Any:
    """-1, 0 or 1 (0 at nan, as PyTorch); zero gradient."""
    return xp.where(x > 0, 1.0, xp.where(x < 0, -1.0, 0.0))


def floor(xp: Any, x: Any) -> Any:
    """largest integer <= x; zero gradient."""
    return xp.floor(x)


def ceil(xp: Any, x: Any) -> Any:
    """smallest integer >= x; zero gradient."""
    return xp.ceil(x)


def round_(xp: Any, x: Any) -> Any:
    """nearest integer, half to even; zero gradient."""
    return xp.round(x)


def trunc(xp: Any, x: Any) -> Any:
    """integer part, towards 0; zero gradient."""
    return xp.trunc(x)


def flat_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    """Zero, whatever the upstream gradient (nan and inf included), as PyTorch gives."""
    return (0.0,)


def remainder(xp: Any, a: Any, b: Any) -> Any:
    """a - b * floor(a / b): the sign of b, as Python's %."""
    # PyTorch's: C's fmod, moved by b where its sign is not b's (-5 % inf is inf)
    r = xp.fmod(a, b)
    return xp.where(((r < 0) & (b > 0)) | ((r > 0) & (b < 0)), r + b, r)


def remainder_backward(xp: Any, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return grad, -grad * xp.floor_divide(a, b)


def fmod(xp: Any, a: Any, b: Any) -> Any:
    """a - b * trunc(a / b): the sign of a, as C's fmod."""
    return xp.fmod(a, b)


def fmod_backward(xp: Any, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return grad, -grad * xp.trunc(a / b)


def _torch(name: str) -> Callable[..., Any]:
    def call(*tensors: Any) -> Any:
        import torch

        return getattr(torch, name)(*tensors)

    return call


def _away_from_jumps(a: float, b: float) -> bool:
    """a % b and fmod(a, b) jump where a is a multiple of b; b = 0 has no value. Along
    the diagonal a % a is 0 throughout: the kit's reused-input check samples there."""
    if abs(b) < 0.2:
        return False
    quotient = a / b
    return a == b or abs(quotient - round(quotient)) > 0.05


HALF_INTEGERS = tuple(k + 0.5 for k in range(-3, 3))  # round jumps there
INTEGERS = tuple(float(k) for k in range(-3, 4))  # floor, ceil and trunc jump there

OPS = (
    Op("sign", sign, flat_backward, torch=_torch("sign"), kinks=(0.0,)),
    Op("floor", floor, flat_backward, torch=_torch("floor"), kinks=INTEGERS),
    Op("ceil", ceil, flat_backward, torch=_torch("ceil"), kinks=INTEGERS),
    Op("round", round_, flat_backward, torch=_torch("round"), kinks=HALF_INTEGERS),
    Op("trunc", trunc, flat_backward, torch=_torch("trunc"), kinks=INTEGERS),
    Op(
        "remainder",
        remainder,
        remainder_backward,
        operators=("__mod__", "__rmod__"),
        symbol="%",
        torch=_torch("remainder"),
        domain=_away_from_jumps,
    ),
    Op("fmod", fmod, fmod_backward, torch=_torch("fmod"), domain=_away_from_jumps),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
