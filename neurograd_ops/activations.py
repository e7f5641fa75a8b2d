"""Bundled plugin: activations and elementary functions of one input.

Each is written once over ``xp`` and stable over the whole float range; its
gradient at a kink is PyTorch's (relu'(0) = 0). Branches are ``xp.where``, so
the same body runs on arrays. The fast forms over plain floats are what eager
mode runs; the conformance kit checks them against the generic ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl
from neurograd_core.ieee import divide, exp, log, sqrt

SOFTPLUS_LINEAR_ABOVE = 20.0  # PyTorch's threshold: there softplus(x) == x in float64 to 1e-9


def relu(xp: Any, x: Any) -> Any:
    """max(x, 0)."""
    # x < 0, not x <= 0: relu(-0.0) is -0.0, as in PyTorch (and micrograd)
    return xp.where(x < 0, 0.0, x)


def relu_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (xp.where(out <= 0, 0.0, grad),)


def leaky_relu(xp: Any, x: Any, *, negative_slope: float = 0.01) -> Any:
    """x above 0, negative_slope * x below (default slope 0.01)."""
    return xp.where(x > 0, x, x * negative_slope)


def leaky_relu_backward(
    xp: Any, grad: Any, out: Any, x: Any, *, negative_slope: float = 0.01
) -> tuple[Any]:
    return (xp.where(x > 0, grad, grad * negative_slope),)


def tanh(xp: Any, x: Any) -> Any:
    """hyperbolic tangent."""
    return xp.tanh(x)


def tanh_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * (1 - out * out),)


def sigmoid(xp: Any, x: Any) -> Any:
    """1 / (1 + e**-x)."""
    # each side computes exp of a non-positive number where it is chosen: no overflow
    return xp.where(x >= 0, 1 / (1 + xp.exp(-x)), xp.exp(x) / (1 + xp.exp(x)))


def sigmoid_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * out * (1 - out),)


def softplus(xp: Any, x: Any) -> Any:
    """log(1 + e**x) without overflow; linear above 20, exactly as PyTorch's default."""
    stable = xp.where(x > 0, x + xp.log1p(xp.exp(-x)), xp.log1p(xp.exp(x)))
    return xp.where(x > SOFTPLUS_LINEAR_ABOVE, x, stable)


def softplus_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (xp.where(x > SOFTPLUS_LINEAR_ABOVE, grad, grad * sigmoid(xp, x)),)


def silu(xp: Any, x: Any) -> Any:
    """x * sigmoid(x)."""
    return x * sigmoid(xp, x)


def silu_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    s = sigmoid(xp, x)
    return (grad * s * (1 + x * (1 - s)),)


def exp_(xp: Any, x: Any) -> Any:
    """e**x."""
    return xp.exp(x)


def exp_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad * out,)


def log_(xp: Any, x: Any) -> Any:
    """natural logarithm."""
    return xp.log(x)


def log_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / x,)


def sqrt_(xp: Any, x: Any) -> Any:
    """square root."""
    return xp.sqrt(x)


def sqrt_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    return (grad / (2 * out),)


def abs_(xp: Any, x: Any) -> Any:
    """|x|."""
    return xp.abs(x)


def abs_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    # not xp.sign: PyTorch's scalar abs gives slope 0 at nan, numpy's sign gives nan
    return (grad * xp.where(x > 0, 1.0, xp.where(x < 0, -1.0, 0.0)),)


# Fast forms over plain floats, for eager mode (bench/engine.py: the demo step
# runs relu and the arithmetic ops only through these).


def _relu_fast(x: float) -> float:
    return 0.0 if x < 0.0 else x


def _relu_fast_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (0.0 if out <= 0.0 else grad,)


def _tanh_fast_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * (1.0 - out * out),)


def _sigmoid_fast(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0 (or nan): cannot overflow
    return e / (1.0 + e)


def _sigmoid_fast_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * out * (1.0 - out),)


def _exp_fast_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * out,)


def _log_fast_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (divide(grad, x),)


def _sqrt_fast_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (divide(grad, 2.0 * out),)


def _abs_fast_backward(grad: float, out: float, x: float) -> tuple[float]:
    return (grad * (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0),)


def _torch_functional(name: str, **fixed: Any) -> Callable[..., Any]:
    """A torch.nn.functional function, imported only when the conformance kit calls it."""

    def call(x: Any, **attrs: Any) -> Any:
        import torch.nn.functional

        return getattr(torch.nn.functional, name)(x, **fixed, **attrs)

    return call


def _tensor_method(name: str) -> Callable[[Any], Any]:
    return lambda x: getattr(x, name)()


def _positive(x: float) -> bool:
    return x > 0.0


OPS = (
    Op(
        "relu",
        relu,
        relu_backward,
        fast_forward=_relu_fast,
        fast_backward=_relu_fast_backward,
        symbol="ReLU",  # as micrograd draws it and names it (Value._op)
        torch=_tensor_method("relu"),
        kinks=(0.0,),
    ),
    Op(
        "leaky_relu",
        leaky_relu,
        leaky_relu_backward,
        torch=_torch_functional("leaky_relu"),
        kinks=(0.0,),
    ),
    Op(
        "tanh",
        tanh,
        tanh_backward,
        fast_forward=math.tanh,
        fast_backward=_tanh_fast_backward,
        torch=_tensor_method("tanh"),
    ),
    Op(
        "sigmoid",
        sigmoid,
        sigmoid_backward,
        fast_forward=_sigmoid_fast,
        fast_backward=_sigmoid_fast_backward,
        torch=_tensor_method("sigmoid"),
    ),
    Op("softplus", softplus, softplus_backward, torch=_torch_functional("softplus")),
    Op("silu", silu, silu_backward, torch=_torch_functional("silu")),
    Op(
        "exp",
        exp_,
        exp_backward,
        fast_forward=exp,
        fast_backward=_exp_fast_backward,
        torch=_tensor_method("exp"),
    ),
    Op(
        "log",
        log_,
        log_backward,
        fast_forward=log,
        fast_backward=_log_fast_backward,
        torch=_tensor_method("log"),
        domain=_positive,
    ),
    Op(
        "sqrt",
        sqrt_,
        sqrt_backward,
        fast_forward=sqrt,
        fast_backward=_sqrt_fast_backward,
        torch=_tensor_method("sqrt"),
        domain=_positive,
    ),
    Op(
        "abs",
        abs_,
        abs_backward,
        fast_forward=abs,
        fast_backward=_abs_fast_backward,
        operators=("__abs__",),
        torch=_tensor_method("abs"),
        kinks=(0.0,),
    ),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
