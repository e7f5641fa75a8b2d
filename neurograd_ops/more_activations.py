"""Bundled plugin: the activations of ``torch.nn.functional`` beyond the classic ones.

``gelu`` (exact, or ``approximate="tanh"``), ``elu selu celu`` (exponential below 0),
``mish``, ``softsign``, ``logsigmoid`` and the piecewise-linear ``hardtanh relu6
hardsigmoid hardswish``. Values and gradients are PyTorch's, kinks included:
hardtanh's gradient is 0 at its bounds, elu's is alpha at 0, and each is written once
over ``xp`` with ``xp.where`` for its branches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl
from neurograd_ops.activations import sigmoid, softplus

SQRT_HALF = math.sqrt(0.5)
GAUSSIAN_DENSITY = 1.0 / math.sqrt(2.0 * math.pi)  # at 0
GELU_TANH_SCALE = math.sqrt(2.0 / math.pi)
GELU_TANH_CUBIC = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 (1.0f / 6.0f)
ONE_SIXTH_FLOAT32 = 0.1666666716337204
APPROXIMATIONS = ("none", "tanh")


def _check_approximate(approximate: str) -> None:
    if approximate not in APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be one of {APPROXIMATIONS}, got {approximate!r}")


def gelu(xp: Any, x: Any, *, approximate: str = "none") -> Any:
    """x * Phi(x), Phi the normal CDF; approximate="tanh" for its tanh form."""
    _check_approximate(approximate)
    if approximate == "tanh":
        inner = GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * (x * x * x))
        return 0.5 * x * (1 + xp.tanh(inner))
    return x * 0.5 * (1 + xp.erf(x * SQRT_HALF))


def gelu_backward(xp: Any, grad: Any, out: Any, x: Any, *, approximate: str = "none") -> tuple[Any]:
    _check_approximate(approximate)
    if approximate == "tanh":
        x_squared = x * x
        inner = GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * (x_squared * x))
        t = xp.tanh(inner)
        left = 0.5 * x
        right = 1 + t
        d_inner = GELU_TANH_SCALE * (1 + 3 * GELU_TANH_CUBIC * x_squared)
        return (grad * (0.5 * right + left * (1 - t * t) * d_inner),)
    cdf = 0.5 * (1 + xp.erf(x * SQRT_HALF))
    pdf = GAUSSIAN_DENSITY * xp.exp(-0.5 * (x * x))
    return (grad * (cdf + x * pdf),)


def _elu(xp: Any, x: Any, alpha: float, scale: float, input_scale: float) -> Any:
    return xp.where(x <= 0, alpha * scale * xp.expm1(x * input_scale), x * scale)


def _elu_backward(
    xp: Any, grad: Any, x: Any, alpha: float, scale: float, input_scale: float
) -> tuple[Any]:
    slope_below = input_scale * alpha * scale * xp.exp(x * input_scale)
    # At the kink the slope is a constant (exp(0) = 1), so its derivative there is 0,
    # as PyTorch's second derivative gives; nan takes the upper branch, as before.
    at_zero = grad * (input_scale * alpha * scale)
    upper = xp.where(xp.equal(x, 0), at_zero, grad * scale)
    return (xp.where(x < 0, grad * slope_below, upper),)


def elu(xp: Any, x: Any, *, alpha: float = 1.0) -> Any:
    """x above 0, alpha * (e**x - 1) below."""
    return _elu(xp, x, alpha, 1.0, 1.0)


def elu_backward(xp: Any, grad: Any, out: Any, x: Any, *, alpha: float = 1.0) -> tuple[Any]:
    return _elu_backward(xp, grad, x, alpha, 1.0, 1.0)


def selu(xp: Any, x: Any) -> Any:
    """scale * elu(x, alpha) with the self-normalizing constants."""
    return _elu(xp, x, SELU_ALPHA, SELU_SCALE, 1.0)


def selu_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return _elu_backward(xp, grad, x, SELU_ALPHA, SELU_SCALE, 1.0)


def celu(xp: Any, x: Any, *, alpha: float = 1.0) -> Any:
    """x above 0, alpha * (e**(x / alpha) - 1) below."""
    return _elu(xp, x, alpha, 1.0, 1.0 / alpha)


def celu_backward(xp: Any, grad: Any, out: Any, x: Any, *, alpha: float = 1.0) -> tuple[Any]:
    return _elu_backward(xp, grad, x, alpha, 1.0, 1.0 / alpha)


def mish(xp: Any, x: Any) -> Any:
    """x * tanh(softplus(x))."""
    return x * xp.tanh(softplus(xp, x))


def mish_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    t = xp.tanh(softplus(xp, x))
    return (grad * (t + x * sigmoid(xp, x) * (1 - t * t)),)


def softsign(xp: Any, x: Any) -> Any:
    """x / (1 + |x|)."""
    return x / (xp.abs(x) + 1)


def softsign_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    # PyTorch differentiates x / (|x| + 1) as a quotient: nan at ±inf, not 0
    d = xp.abs(x) + 1
    return (grad / d - grad * (x / d / d) * xp.where(x > 0, 1.0, xp.where(x < 0, -1.0, 0.0)),)


def hardtanh(xp: Any, x: Any, *, min_val: float = -1.0, max_val: float = 1.0) -> Any:
    """x limited to [min_val, max_val] (default [-1, 1])."""
    return xp.where(x < min_val, min_val, xp.where(x > max_val, max_val, x))


def hardtanh_backward(
    xp: Any, grad: Any, out: Any, x: Any, *, min_val: float = -1.0, max_val: float = 1.0
) -> tuple[Any]:
    return (xp.where((x <= min_val) | (x >= max_val), 0.0, grad),)


def relu6(xp: Any, x: Any) -> Any:
    """x limited to [0, 6]."""
    return hardtanh(xp, x, min_val=0.0, max_val=6.0)


def relu6_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return hardtanh_backward(xp, grad, out, x, min_val=0.0, max_val=6.0)


def hardsigmoid(xp: Any, x: Any) -> Any:
    """x / 6 + 1/2, limited to [0, 1]."""
    return xp.where(x <= -3, 0.0, xp.where(x >= 3, 1.0, x / 6 + 0.5))


def hardsigmoid_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (xp.where((x > -3) & (x < 3), grad * ONE_SIXTH_FLOAT32, 0.0),)


def hardswish(xp: Any, x: Any) -> Any:
    """x * hardsigmoid(x)."""
    # PyTorch's formula, which makes hardswish(-inf) nan (-inf * 0)
    return x * xp.minimum(xp.maximum(x + 3, 0.0), 6.0) / 6


def hardswish_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (xp.where(x <= -3, 0.0, xp.where(x < 3, grad * (x / 3 + 0.5), grad)),)


def logsigmoid(xp: Any, x: Any) -> Any:
    """log(sigmoid(x)), stable."""
    return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))


def logsigmoid_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    # sigmoid(-x), each side exp of a non-positive number where it is chosen. Not through
    # abs(x): its zero slope at 0 would make the second derivative there 0.
    return (grad * xp.where(x >= 0, xp.exp(-x) / (1 + xp.exp(-x)), 1 / (1 + xp.exp(x))),)


def _torch_functional(name: str) -> Callable[..., Any]:
    """A torch.nn.functional function, imported only when the conformance kit calls it."""

    def call(x: Any, **attrs: Any) -> Any:
        import torch.nn.functional

        return getattr(torch.nn.functional, name)(x, **attrs)

    return call


OPS = (
    Op("gelu", gelu, gelu_backward, torch=_torch_functional("gelu")),
    Op("elu", elu, elu_backward, torch=_torch_functional("elu"), kinks=(0.0,)),
    Op("selu", selu, selu_backward, torch=_torch_functional("selu"), kinks=(0.0,)),
    Op("celu", celu, celu_backward, torch=_torch_functional("celu"), kinks=(0.0,)),
    Op("mish", mish, mish_backward, torch=_torch_functional("mish")),
    Op("softsign", softsign, softsign_backward, torch=_torch_functional("softsign")),
    Op(
        "hardtanh",
        hardtanh,
        hardtanh_backward,
        torch=_torch_functional("hardtanh"),
        kinks=(-1.0, 1.0),
    ),
    Op("relu6", relu6, relu6_backward, torch=_torch_functional("relu6"), kinks=(0.0, 6.0)),
    Op(
        "hardsigmoid",
        hardsigmoid,
        hardsigmoid_backward,
        torch=_torch_functional("hardsigmoid"),
        kinks=(-3.0, 3.0),
    ),
    Op(
        "hardswish",
        hardswish,
        hardswish_backward,
        torch=_torch_functional("hardswish"),
        kinks=(-3.0, 3.0),
    ),
    Op("logsigmoid", logsigmoid, logsigmoid_backward, torch=_torch_functional("logsigmoid")),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
