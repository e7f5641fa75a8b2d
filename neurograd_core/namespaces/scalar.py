"""The scalar namespace: what an op body's ``xp`` is in eager mode, on Python floats.

Python's float arithmetic raises where IEEE 754 (and PyTorch) give an infinity
or NaN: ``1.0 / 0.0``, ``10.0 ** 400``, ``math.log(0.0)``. An op body written
once for arrays must not raise on floats, so its inputs arrive as ``Float``, a
float whose operators follow IEEE 754, and its ``xp`` functions return
``Float`` too. The engine turns the results back into plain floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from neurograd_core import ieee
from neurograd_core.namespaces import FUNCTIONS

INF, NAN = math.inf, math.nan


def _real(x: Any) -> float | None:
    """``x`` as a float if it is a real number, else None (so an operator can decline)."""
    if isinstance(x, float):
        return x
    if isinstance(x, int):
        try:
            return float(x)
        except OverflowError:  # an int beyond the float range: its infinity
            return INF if x > 0 else -INF
    return None


def _lifted(method: Callable[[float, float], float]) -> Callable[[Float, Any], Any]:
    """A float operator whose result stays a ``Float`` (+ - * never raise on floats)."""

    def operator(self: Float, other: Any) -> Any:
        b = _real(other)
        return NotImplemented if b is None else Float(method(self, b))

    return operator


def _floor_divide(a: float, b: float) -> float:
    """Python's and PyTorch's floor division (-5.0 // inf is -1.0, inf // 2.0 is nan);
    x // 0 is x / 0, as in PyTorch."""
    if b == 0.0:
        return ieee.divide(a, b)
    return a // b


def _remainder(a: float, b: float) -> float:
    """Python's (and PyTorch's ``remainder``) sign convention; x % 0 is nan."""
    if b == 0.0 or math.isinf(a) or math.isnan(b):
        return NAN
    return a % b


def _ieee(function: Callable[[float, float], float]) -> tuple[Callable, Callable]:
    """The operator and its reflected form, through ``function`` that never raises."""

    def operator(self: Float, other: Any) -> Any:
        b = _real(other)
        return NotImplemented if b is None else Float(function(float(self), b))

    def reflected(self: Float, other: Any) -> Any:
        a = _real(other)
        return NotImplemented if a is None else Float(function(a, float(self)))

    return operator, reflected


class Float(float):
    """A Python float whose operators give IEEE 754 results instead of raising."""

    __slots__ = ()

    __add__ = _lifted(float.__add__)
    __radd__ = _lifted(float.__radd__)
    __sub__ = _lifted(float.__sub__)
    __rsub__ = _lifted(float.__rsub__)
    __mul__ = _lifted(float.__mul__)
    __rmul__ = _lifted(float.__rmul__)
    __truediv__, __rtruediv__ = _ieee(ieee.divide)
    __floordiv__, __rfloordiv__ = _ieee(_floor_divide)
    __mod__, __rmod__ = _ieee(_remainder)
    __pow__, __rpow__ = _ieee(ieee.power)

    def __neg__(self) -> Float:
        return Float(-float(self))

    def __pos__(self) -> Float:
        return self

    def __abs__(self) -> Float:
        return Float(abs(float(self)))


def _checked(function: Callable[[float], float], *, even: bool = False) -> Callable:
    """``function`` on a float, with ValueError (outside the domain) as nan and
    OverflowError as an infinity of x's sign (of + for an ``even`` function)."""

    def call(x: Any) -> Float:
        try:
            return Float(function(x))
        except ValueError:
            return Float(NAN)
        except OverflowError:
            return Float(INF if even else math.copysign(INF, x))

    return call


def _rounding(function: Callable[[float], int]) -> Callable[[Any], Float]:
    """floor, ceil, trunc, round: infinities and nan stay, and a zero keeps x's sign."""

    def call(x: Any) -> Float:
        if math.isinf(x) or math.isnan(x):
            return Float(x)
        return Float(math.copysign(float(function(x)), x))

    return call


def _atanh(x: Any) -> Float:
    if abs(x) == 1.0:
        return Float(math.copysign(INF, x))
    return _checked(math.atanh)(x)


def _log_base(log: Callable[[float], float]) -> Callable[[Any], Float]:
    def call(x: Any) -> Float:
        if x > 0.0:
            return Float(log(x))
        return Float(-INF if x == 0.0 else NAN)

    return call


def _log1p(x: Any) -> Float:
    if x > -1.0:
        return Float(math.log1p(x))
    return Float(-INF if x == -1.0 else NAN)


def _fmod(a: Any, b: Any) -> Float:
    """C's fmod (the sign of a): nan where it has no value (x fmod 0, inf fmod y)."""
    try:
        return Float(math.fmod(a, b))
    except ValueError:
        return Float(NAN)


def _sign(x: Any) -> Float:
    if x != x:
        return Float(NAN)
    return Float(1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0)


def _maximum(a: Any, b: Any) -> Float:
    if a != a or b != b:
        return Float(NAN)
    return Float(a if a >= b else b)


def _minimum(a: Any, b: Any) -> Float:
    if a != a or b != b:
        return Float(NAN)
    return Float(a if a <= b else b)


def _where(condition: Any, a: Any, b: Any) -> Any:
    chosen = a if condition else b
    return Float(chosen) if type(chosen) is float or type(chosen) is int else chosen


NAMESPACE = SimpleNamespace(
    abs=lambda x: Float(abs(x)),
    acos=_checked(math.acos),
    acosh=_checked(math.acosh),
    asin=_checked(math.asin),
    asinh=_checked(math.asinh),
    atan=_checked(math.atan),
    atan2=lambda y, x: Float(math.atan2(y, x)),
    atanh=_atanh,
    ceil=_rounding(math.ceil),
    cos=_checked(math.cos),
    cosh=_checked(math.cosh, even=True),
    equal=lambda a, b: a == b,
    erf=lambda x: Float(math.erf(x)),
    erfc=lambda x: Float(math.erfc(x)),
    exp=lambda x: Float(ieee.exp(x)),
    expm1=_checked(math.expm1),
    floor=_rounding(math.floor),
    floor_divide=lambda a, b: Float(_floor_divide(a, b)),
    fmod=_fmod,
    hypot=lambda a, b: Float(math.hypot(a, b)),
    log=lambda x: Float(ieee.log(x)),
    log1p=_log1p,
    log2=_log_base(math.log2),
    log10=_log_base(math.log10),
    maximum=_maximum,
    minimum=_minimum,
    round=_rounding(round),
    sign=_sign,
    sin=_checked(math.sin),
    sinh=_checked(math.sinh),
    sqrt=lambda x: Float(ieee.sqrt(x)),
    tan=_checked(math.tan),
    tanh=lambda x: Float(math.tanh(x)),
    trunc=_rounding(math.trunc),
    where=_where,
)
assert set(vars(NAMESPACE)) == set(FUNCTIONS), "the scalar namespace lacks a contract name"
