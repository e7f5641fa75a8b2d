"""Float arithmetic that never raises: IEEE 754 results, as PyTorch gives them.

Python raises ZeroDivisionError, OverflowError or ValueError (or returns a
complex number) where IEEE arithmetic returns an infinity or NaN; ops use
these helpers so that no such exception escapes from inside an op.
"""

from __future__ import annotations

import math

INF = math.inf
NAN = math.nan


def divide(a: float, b: float) -> float:
    """a / b, with x/0 = ±inf and 0/0 = nan."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or a != a:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def power(base: float, exponent: float) -> float:
    """base ** exponent as C99 ``pow``: nan for a finite negative base and non-integer exponent.

    PyTorch computes exponents 0.5 and -0.5 with (reciprocal) square roots, so at
    -inf and -0.0 it gives nan or -inf where C99 ``pow`` (and this) gives +inf.
    """
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return -INF if base < 0 and _is_odd_integer(exponent) else INF
    except ValueError:  # 0 ** negative, or negative ** non-integer
        if base == 0.0:
            return math.copysign(INF, base) if _is_odd_integer(exponent) else INF
        return NAN


def _is_odd_integer(x: float) -> bool:
    return float(x).is_integer() and x % 2 == 1


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def log(x: float) -> float:
    """Natural log: log(0) = -inf, log(negative) = nan."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -INF
    return NAN  # negative or nan


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else NAN
