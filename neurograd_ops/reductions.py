"""Bundled plugin: ops of any number of inputs, each one node however many it takes.

``sum(x1, ..., xn)``, ``mean(x1, ..., xn)``, ``dot(w1, x1, ..., wn, xn, b)`` (that is
``w1*x1 + ... + wn*xn + b``: a neuron's pre-activation in one node instead of 2n)
and ``logsumexp(x1, ..., xn)``, stable at ±1000 because the largest input is
subtracted before exponentiating (PyTorch's way: an infinite largest input is not).

A chain ``a + b + c`` is n - 1 nodes whose backward runs n - 1 times; one ``sum`` node
is created once and differentiated once. ``sum`` and ``dot`` have fast forms over
plain floats: ``neurograd_nn.Linear`` runs on ``dot``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl
from neurograd_core.op import DOT, SUM

INF = math.inf


def sum_(xp: Any, *inputs: Any) -> Any:
    """x1 + ... + xn, any number of inputs."""
    total = inputs[0] + 0.0  # as PyTorch: the sum of -0.0 alone is 0.0
    for x in inputs[1:]:
        total = total + x
    return total


def sum_backward(xp: Any, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
    return (grad,) * len(inputs)


def mean(xp: Any, *inputs: Any) -> Any:
    """(x1 + ... + xn) / n, any number of inputs."""
    return sum_(xp, *inputs) / len(inputs)


def mean_backward(xp: Any, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
    return (grad / len(inputs),) * len(inputs)


def _pairs_and_bias(inputs: tuple[Any, ...]) -> int:
    """The number of (weight, input) pairs, or a TypeError when a bias is missing."""
    if len(inputs) % 2 == 0:
        raise TypeError(
            f"dot takes w1, x1, ..., wn, xn and a bias b: an odd number of inputs, "
            f"got {len(inputs)}"
        )
    return len(inputs) // 2


def dot(xp: Any, *inputs: Any) -> Any:
    """w1*x1 + ... + wn*xn + b, from (w1, x1, ..., wn, xn, b)."""
    n = _pairs_and_bias(inputs)
    if n == 0:
        return inputs[0] + 0.0
    total = inputs[0] * inputs[1]
    for i in range(2, 2 * n, 2):
        total = total + inputs[i] * inputs[i + 1]
    return total + inputs[-1]


def dot_backward(xp: Any, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
    n = _pairs_and_bias(inputs)
    grads: list[Any] = []
    for i in range(0, 2 * n, 2):
        grads += (grad * inputs[i + 1], grad * inputs[i])
    grads.append(grad)
    return tuple(grads)


def logsumexp(xp: Any, *inputs: Any) -> Any:
    """log(e**x1 + ... + e**xn), stable at ±1000."""
    largest = inputs[0]
    for x in inputs[1:]:
        largest = xp.maximum(largest, x)
    shift = xp.where(xp.abs(largest) < INF, largest, 0.0)  # PyTorch's: not by ±inf
    total = xp.exp(inputs[0] - shift)
    for x in inputs[1:]:
        total = total + xp.exp(x - shift)
    return xp.log(total) + shift


def logsumexp_backward(xp: Any, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
    return tuple(grad * xp.exp(x - out) for x in inputs)


# Fast forms over plain floats, for eager mode: Linear's dot nodes are on the hot path.


def _sum_fast(*inputs: float) -> float:
    total = inputs[0] + 0.0
    for x in inputs[1:]:
        total += x
    return total


def _sum_fast_backward(grad: float, out: float, *inputs: float) -> tuple[float, ...]:
    return (grad,) * len(inputs)


def _dot_fast(*inputs: float) -> float:
    n = _pairs_and_bias(inputs)
    if n == 0:
        return inputs[0] + 0.0
    total = inputs[0] * inputs[1]
    for i in range(2, 2 * n, 2):
        total += inputs[i] * inputs[i + 1]
    return total + inputs[-1]


def _dot_fast_backward(grad: float, out: float, *inputs: float) -> tuple[float, ...]:
    grads = [grad] * len(inputs)
    # weights get grad * input, inputs grad * weight; the bias keeps grad
    grads[0:-1:2] = [grad * x for x in inputs[1:-1:2]]
    grads[1:-1:2] = [grad * w for w in inputs[0:-1:2]]
    return tuple(grads)


def _torch_sum(*tensors: Any) -> Any:
    import torch

    return torch.stack(tensors).sum()


def _torch_mean(*tensors: Any) -> Any:
    import torch

    return torch.stack(tensors).mean()


def _torch_dot(*tensors: Any) -> Any:
    import torch

    if len(tensors) == 1:
        return tensors[0] * 1.0
    weights, inputs = torch.stack(tensors[0:-1:2]), torch.stack(tensors[1:-1:2])
    return torch.dot(weights, inputs) + tensors[-1]


def _torch_logsumexp(*tensors: Any) -> Any:
    import torch

    return torch.logsumexp(torch.stack(tensors), dim=0)


def _odd_count(*inputs: float) -> bool:
    """dot's inputs: (weight, input) pairs and a bias."""
    return len(inputs) % 2 == 1


OPS = (
    Op(
        "sum",
        sum_,
        sum_backward,
        fast_forward=_sum_fast,
        fast_backward=_sum_fast_backward,
        traits=(SUM,),
        symbol="sum",
        torch=_torch_sum,
    ),
    Op("mean", mean, mean_backward, torch=_torch_mean),
    Op(
        "dot",
        dot,
        dot_backward,
        fast_forward=_dot_fast,
        fast_backward=_dot_fast_backward,
        traits=(DOT,),
        torch=_torch_dot,
        domain=_odd_count,
    ),
    Op("logsumexp", logsumexp, logsumexp_backward, torch=_torch_logsumexp),
)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
