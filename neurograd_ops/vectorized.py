"""The bundled ops over numpy arrays, for graph replay (``neurograd_core.replay``).

Each function is the array form of the scalar op next to which it is declared:
``vectorized_forward(*arrays, **attrs) -> array`` and
``vectorized_backward(grad, out, *arrays, **attrs) -> tuple of arrays``, with
the same IEEE 754 / PyTorch results as the scalar forms (x/0 = inf, log(0) =
-inf, relu'(0) = 0).  Inputs may have different but broadcastable shapes;
numpy warnings are silenced because infinities and NaN are results, not errors.

numpy is imported inside the functions: this module is imported when the
bundled plugins load, and ``import neurograd_core`` must not import numpy.
"""

from __future__ import annotations

from typing import Any

Array = Any  # a numpy array; numpy itself is not imported at module level

SOFTPLUS_LINEAR_ABOVE = 20.0  # as the scalar softplus (PyTorch's default threshold)


def _numpy() -> Any:
    import numpy

    return numpy


# --- arithmetic -----------------------------------------------------------------------


def add_forward(a: Array, b: Array) -> Array:
    with _numpy().errstate(all="ignore"):
        return a + b


def add_backward(grad: Array, out: Array, a: Array, b: Array) -> tuple[Array, Array]:
    return grad, grad


def sub_forward(a: Array, b: Array) -> Array:
    with _numpy().errstate(all="ignore"):
        return a - b


def sub_backward(grad: Array, out: Array, a: Array, b: Array) -> tuple[Array, Array]:
    return grad, -grad


def mul_forward(a: Array, b: Array) -> Array:
    with _numpy().errstate(all="ignore"):
        return a * b


def mul_backward(grad: Array, out: Array, a: Array, b: Array) -> tuple[Array, Array]:
    with _numpy().errstate(all="ignore"):
        return grad * b, grad * a


def div_forward(a: Array, b: Array) -> Array:
    with _numpy().errstate(all="ignore"):
        return a / b


def div_backward(grad: Array, out: Array, a: Array, b: Array) -> tuple[Array, Array]:
    with _numpy().errstate(all="ignore"):
        return grad / b, -grad * (out / b)


def neg_forward(a: Array) -> Array:
    return -a


def neg_backward(grad: Array, out: Array, a: Array) -> tuple[Array]:
    return (-grad,)


def _c_pow(base: Array, exponent: Array) -> Array:
    """base ** exponent as C's pow (and so math.pow and PyTorch) gives it.

    When the exponent repeats along numpy's inner loop (a scalar, or a
    broadcast row), numpy computes x ** 0.5 as sqrt(x), which differs at -inf
    and -0.0; a full exponent array keeps every element on the pow path.
    """
    np = _numpy()
    base, exponent = np.broadcast_arrays(base, exponent)
    with np.errstate(all="ignore"):
        return np.power(base, np.array(exponent, dtype=np.float64))


def pow_forward(x: Array, *, exponent: float) -> Array:
    return _c_pow(x, float(exponent))


def pow_backward(grad: Array, out: Array, x: Array, *, exponent: float) -> tuple[Array]:
    np = _numpy()
    if exponent == 0:
        return (np.zeros(np.broadcast(grad, x).shape),)
    with np.errstate(all="ignore"):
        return (grad * exponent * _c_pow(x, float(exponent) - 1.0),)


def power_forward(base: Array, exponent: Array) -> Array:
    return _c_pow(base, exponent)


def power_backward(grad: Array, out: Array, base: Array, exponent: Array) -> tuple[Array, Array]:
    np = _numpy()
    with np.errstate(all="ignore"):
        d_base = np.where(exponent == 0.0, 0.0, grad * exponent * _c_pow(base, exponent - 1.0))
        # PyTorch's convention: no gradient to the exponent where base == 0 and exponent >= 0
        no_exponent_grad = (base == 0.0) & (exponent >= 0.0)
        d_exponent = np.where(no_exponent_grad, 0.0, grad * out * np.log(base))
    return d_base, d_exponent


# --- activations and elementary functions ---------------------------------------------------


def relu_forward(x: Array) -> Array:
    return _numpy().where(x <= 0.0, 0.0, x)


def relu_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    return (_numpy().where(out <= 0.0, 0.0, grad),)


def leaky_relu_forward(x: Array, *, negative_slope: float = 0.01) -> Array:
    np = _numpy()
    with np.errstate(all="ignore"):
        return np.where(x > 0.0, x, x * negative_slope)


def leaky_relu_backward(
    grad: Array, out: Array, x: Array, *, negative_slope: float = 0.01
) -> tuple[Array]:
    np = _numpy()
    with np.errstate(all="ignore"):
        return (np.where(x > 0.0, grad, grad * negative_slope),)


def tanh_forward(x: Array) -> Array:
    return _numpy().tanh(x)


def tanh_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    with _numpy().errstate(all="ignore"):
        return (grad * (1.0 - out * out),)


def sigmoid_forward(x: Array) -> Array:
    """1 / (1 + e**-x) without overflow: e**-|x| never exceeds 1."""
    np = _numpy()
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    with _numpy().errstate(all="ignore"):
        return (grad * out * (1.0 - out),)


def softplus_forward(x: Array) -> Array:
    """log(1 + e**x) without overflow; exactly x above 20, as PyTorch's default."""
    np = _numpy()
    with np.errstate(all="ignore"):
        smooth = np.log1p(np.exp(-np.abs(x))) + np.where(x > 0.0, x, 0.0)
    return np.where(x > SOFTPLUS_LINEAR_ABOVE, x, smooth)


def softplus_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    np = _numpy()
    with np.errstate(all="ignore"):
        return (np.where(x > SOFTPLUS_LINEAR_ABOVE, grad, grad * sigmoid_forward(x)),)


def silu_forward(x: Array) -> Array:
    with _numpy().errstate(all="ignore"):
        return x * sigmoid_forward(x)


def silu_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    s = sigmoid_forward(x)
    with _numpy().errstate(all="ignore"):
        return (grad * s * (1.0 + x * (1.0 - s)),)


def exp_forward(x: Array) -> Array:
    np = _numpy()
    with np.errstate(all="ignore"):
        return np.exp(x)


def exp_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    with _numpy().errstate(all="ignore"):
        return (grad * out,)


def log_forward(x: Array) -> Array:
    np = _numpy()
    with np.errstate(all="ignore"):
        return np.log(x)


def log_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    with _numpy().errstate(all="ignore"):
        return (grad / x,)


def sqrt_forward(x: Array) -> Array:
    np = _numpy()
    with np.errstate(all="ignore"):
        return np.sqrt(x)


def sqrt_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    with _numpy().errstate(all="ignore"):
        return (grad / (2.0 * out),)


def abs_forward(x: Array) -> Array:
    return _numpy().abs(x)


def abs_backward(grad: Array, out: Array, x: Array) -> tuple[Array]:
    # (x > 0) - (x < 0), as the scalar op: 0 at 0 and at NaN (numpy's sign(nan) is nan)
    np = _numpy()
    direction = (x > 0.0).astype(np.float64) - (x < 0.0)
    with np.errstate(all="ignore"):
        return (grad * direction,)
