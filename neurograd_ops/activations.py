"""Bundled plugin: activations and elementary functions of one input.

Each is stable over the whole float range (no OverflowError, ValueError or
ZeroDivisionError) and its gradient at a kink is PyTorch's (relu'(0) = 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl
from neurograd_core.ieee import divide, exp, log, sqrt
from neurograd_ops import vectorized

_SOFTPLUS_LINEAR_ABOVE = 20.0  # PyTorch's threshold: there softplus(x) == x in float64 to 1e-9


def _positive(x: float) -> bool:
    return x > 0.0


def relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x


def _relu_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (0.0 if out <= 0.0 else grad,)


def leaky_relu(x: float, *, negative_slope: float = 0.01) -> float:
    return x if x > 0.0 else x * negative_slope


def _leaky_relu_backward(
    grad: float, out: float, x: float, *, negative_slope: float = 0.01
) -> tuple[float]:
    return (grad if x > 0.0 else grad * negative_slope,)


def _tanh_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * (1.0 - out * out),)


def sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0 (or nan): cannot overflow
    return e / (1.0 + e)


def _sigmoid_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * out * (1.0 - out),)


def softplus(x: float) -> float:
    """log(1 + e**x) without overflow; linear above 20, exactly as PyTorch's default."""
    if x > _SOFTPLUS_LINEAR_ABOVE:
        return x
    return math.log1p(math.exp(-abs(x))) + (x if x > 0.0 else 0.0)


def _softplus_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad if x > _SOFTPLUS_LINEAR_ABOVE else grad * sigmoid(x),)


def silu(x: float) -> float:
    return x * sigmoid(x)


def _silu_backward(grad: float, out: float, x: float) -> tuple[float]:
    s = sigmoid(x)
    return (grad * s * (1.0 + x * (1.0 - s)),)


def _exp_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * out,)


def _log_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (divide(grad, x),)


def _sqrt_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (divide(grad, 2.0 * out),)


def _abs_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * ((x > 0.0) - (x < 0.0)),)


def _torch_functional(name: str, **fixed: Any) -> Callable[..., Any]:
    """A torch.nn.functional function, imported only when the conformance kit calls it."""

    def call(x: Any, **attrs: Any) -> Any:
        import torch.nn.functional

        return getattr(torch.nn.functional, name)(x, **fixed, **attrs)

    return call


def _tensor_method(name: str) -> Callable[[Any], Any]:
    return lambda x: getattr(x, name)()


OPS = (
    Op(
        "relu",
        relu,
        _relu_backward,
        torch=_tensor_method("relu"),
        kinks=(0.0,),
        vectorized_forward=vectorized.relu_forward,
        vectorized_backward=vectorized.relu_backward,
    ),
    Op(
        "leaky_relu",
        leaky_relu,
        _leaky_relu_backward,
        torch=_torch_functional("leaky_relu"),
        kinks=(0.0,),
        vectorized_forward=vectorized.leaky_relu_forward,
        vectorized_backward=vectorized.leaky_relu_backward,
    ),
    Op(
        "tanh",
        math.tanh,
        _tanh_backward,
        torch=_tensor_method("tanh"),
        vectorized_forward=vectorized.tanh_forward,
        vectorized_backward=vectorized.tanh_backward,
    ),
    Op(
        "sigmoid",
        sigmoid,
        _sigmoid_backward,
        torch=_tensor_method("sigmoid"),
        vectorized_forward=vectorized.sigmoid_forward,
        vectorized_backward=vectorized.sigmoid_backward,
    ),
    Op(
        "softplus",
        softplus,
        _softplus_backward,
        torch=_torch_functional("softplus"),
        vectorized_forward=vectorized.softplus_forward,
        vectorized_backward=vectorized.softplus_backward,
    ),
    Op(
        "silu",
        silu,
        _silu_backward,
        torch=_torch_functional("silu"),
        vectorized_forward=vectorized.silu_forward,
        vectorized_backward=vectorized.silu_backward,
    ),
    Op(
        "exp",
        exp,
        _exp_backward,
        torch=_tensor_method("exp"),
        vectorized_forward=vectorized.exp_forward,
        vectorized_backward=vectorized.exp_backward,
    ),
    Op(
        "log",
        log,
        _log_backward,
        torch=_tensor_method("log"),
        domain=_positive,
        vectorized_forward=vectorized.log_forward,
        vectorized_backward=vectorized.log_backward,
    ),
    Op(
        "sqrt",
        sqrt,
        _sqrt_backward,
        torch=_tensor_method("sqrt"),
        domain=_positive,
        vectorized_forward=vectorized.sqrt_forward,
        vectorized_backward=vectorized.sqrt_backward,
    ),
    Op(
        "abs",
        abs,
        _abs_backward,
        torch=_tensor_method("abs"),
        kinks=(0.0,),
        vectorized_forward=vectorized.abs_forward,
        vectorized_backward=vectorized.abs_backward,
    ),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
