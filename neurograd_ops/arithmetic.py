"""Bundled plugin: the ops behind ``+ - * / **`` and unary ``-``.

Forward and backward never raise on floats: division by zero, overflow and
negative bases follow IEEE 754 and PyTorch (``neurograd_core.ieee``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl
from neurograd_core.ieee import divide, log, power
from neurograd_ops import vectorized


def _add_backward(grad: float, out: float, a: float, b: float) -> tuple[float, float]:
    return grad, grad


def _sub_backward(grad: float, out: float, a: float, b: float) -> tuple[float, float]:
    return grad, -grad


def _mul_backward(grad: float, out: float, a: float, b: float) -> tuple[float, float]:
    return grad * b, grad * a


def _div_backward(grad: float, out: float, a: float, b: float) -> tuple[float, float]:
    # d(a/b)/db = -a/b**2 = -out/b, which cannot overflow where b**2 would
    return divide(grad, b), -grad * divide(out, b)


def _neg_backward(grad: float, out: float, a: float) -> tuple[float]:
    return (-grad,)


def _pow_forward(x: float, *, exponent: float) -> float:
    return power(x, exponent)


def _pow_backward(grad: float, out: float, x: float, *, exponent: float) -> tuple[float]:
    if exponent == 0:
        return (0.0,)
    return (grad * exponent * power(x, exponent - 1),)


def _power_backward(grad: float, out: float, base: float, exponent: float) -> tuple[float, float]:
    d_base = 0.0 if exponent == 0.0 else grad * exponent * power(base, exponent - 1.0)
    # PyTorch's convention: no gradient to the exponent where base == 0 and exponent >= 0
    d_exponent = 0.0 if base == 0.0 and exponent >= 0.0 else grad * out * log(base)
    return d_base, d_exponent


def _torch_pow(x: Any, *, exponent: float) -> Any:
    return x**exponent


ADD = Op(
    "add",
    operator.add,
    _add_backward,
    symbol="+",
    torch=operator.add,
    vectorized_forward=vectorized.add_forward,
    vectorized_backward=vectorized.add_backward,
)
SUB = Op(
    "sub",
    operator.sub,
    _sub_backward,
    symbol="-",
    torch=operator.sub,
    vectorized_forward=vectorized.sub_forward,
    vectorized_backward=vectorized.sub_backward,
)
MUL = Op(
    "mul",
    operator.mul,
    _mul_backward,
    symbol="*",
    torch=operator.mul,
    vectorized_forward=vectorized.mul_forward,
    vectorized_backward=vectorized.mul_backward,
)
DIV = Op(
    "div",
    divide,
    _div_backward,
    symbol="/",
    torch=operator.truediv,
    domain=lambda a, b: abs(b) > 1e-3,
    vectorized_forward=vectorized.div_forward,
    vectorized_backward=vectorized.div_backward,
)
NEG = Op(
    "neg",
    operator.neg,
    _neg_backward,
    symbol="-",
    torch=operator.neg,
    vectorized_forward=vectorized.neg_forward,
    vectorized_backward=vectorized.neg_backward,
)
POW = Op(
    "pow",
    _pow_forward,
    _pow_backward,
    arity=1,
    symbol="**{exponent}",
    torch=_torch_pow,
    domain=lambda x: x > 0.0,
    vectorized_forward=vectorized.pow_forward,
    vectorized_backward=vectorized.pow_backward,
)
POWER = Op(
    "power",
    power,
    _power_backward,
    arity=2,
    symbol="**",
    torch=operator.pow,
    domain=lambda base, exponent: base > 1e-3,
    vectorized_forward=vectorized.power_forward,
    vectorized_backward=vectorized.power_backward,
)

OPS = (ADD, SUB, MUL, DIV, NEG, POW, POWER)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
