"""``Neuron``, ``Layer`` and ``MLP``, exactly as micrograd's ``nn.py`` defines them, and
``Linear``, as PyTorch's ``torch.nn.Linear``.

micrograd's three keep its names, arguments, initialisation (weights
``random.uniform(-1, 1)`` drawn from Python's ``random`` in the same order, bias
0), the same graph (a chain of additions and products per neuron) and the same
reprs, so micrograd's demo gives micrograd's numbers. Beyond micrograd: the
activation can be chosen, and a wrong input length is a clear ``ValueError``
instead of a silently truncated ``zip``.

``Linear`` computes each output as one ``dot`` node (w1*x1 + ... + wn*xn + b): a
node per output instead of 2n, which eager mode builds and differentiates faster.
"""

from __future__ import annotations

import inspect
import math
import numbers
import random
from collections.abc import Sequence
from typing import Any

from neurograd_core import Op, Value, registry
from neurograd_nn.module import Module

LINEAR = "linear"
# How a neuron's repr names its activation; other ops are CamelCased (leaky_relu -> LeakyRelu).
ACTIVATION_TITLES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", LINEAR: "Linear"}


def check_activation(name: Any) -> str:
    """``name`` if it is ``"linear"`` or a registered op of one input, else a clear error."""
    if not isinstance(name, str):
        raise TypeError(f"activation must be an op name such as 'relu', got {name!r}")
    if name == LINEAR:
        return name
    unary = sorted(op.name for op in registry if _is_activation(op))
    if name not in unary:
        choices = ", ".join([LINEAR, *unary])
        raise ValueError(f"unknown activation {name!r}; choose one of: {choices}")
    return name


def _is_activation(op: Op) -> bool:
    """One input, and no attribute it must be given (``pow`` needs an exponent)."""
    if op.arity != 1:
        return False
    try:
        parameters = inspect.signature(op.forward).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature takes no attributes
        return True
    return not any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in parameters)


def activation_title(name: str) -> str:
    return ACTIVATION_TITLES.get(name) or "".join(part.title() for part in name.split("_"))


def check_size(value: Any, what: str) -> int:
    """A positive int, or a TypeError/ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{what} must be at least 1, got {value}")
    return int(value)


def as_inputs(x: Any, expected: int, owner: Module) -> Sequence[Any]:
    """``x`` as a sequence of ``expected`` inputs; a lone number counts as one input."""
    if isinstance(x, (Value, numbers.Real)):
        x = (x,)
    try:
        count = len(x)
    except TypeError:
        raise TypeError(
            f"{type(owner).__name__} expects a sequence of {expected} inputs, "
            f"got {type(x).__name__}"
        ) from None
    if count != expected:
        raise ValueError(f"{type(owner).__name__} expects {expected} inputs, got {count}")
    return x


class Neuron(Module):
    """``activation(w . x + b)``; ``nonlin=False`` (or ``activation="linear"``) leaves it linear."""

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu") -> None:
        nin = check_size(nin, "nin")
        activation = check_activation(activation)
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = bool(nonlin) and activation != LINEAR
        self.activation = activation if self.nonlin else LINEAR

    def __call__(self, x: Any) -> Value:
        x = as_inputs(x, len(self.w), self)
        act = self.b
        for wi, xi in zip(self.w, x):  # micrograd's sum(..., self.b): the same order of additions
            act = act + wi * xi
        if not self.nonlin:
            return act
        return getattr(act, self.activation)()

    def __repr__(self) -> str:
        return f"{activation_title(self.activation)}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; one output is returned as a Value, not a list."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        nout = check_size(nout, "nout")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Any) -> Value | list[Value]:
        x = as_inputs(x, len(self.neurons[0].w), self)
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class Linear(Module):
    """``y = W x + b``, as ``torch.nn.Linear(in_features, out_features, bias=True)``.

    ``weight`` holds ``out_features`` rows of ``in_features`` Values and ``bias``
    ``out_features`` Values, both drawn from ``random.uniform(-k, k)`` with
    ``k = 1 / sqrt(in_features)`` (PyTorch's default initialisation), weights first.
    Calling it returns a list of ``out_features`` Values, each one ``dot`` node.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        self.in_features = check_size(in_features, "in_features")
        self.out_features = check_size(out_features, "out_features")
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight = [
            [Value(random.uniform(-bound, bound)) for _ in range(self.in_features)]
            for _ in range(self.out_features)
        ]
        self.bias = (
            [Value(random.uniform(-bound, bound)) for _ in range(self.out_features)]
            if bias
            else None
        )

    def __call__(self, x: Any) -> list[Value]:
        x = as_inputs(x, self.in_features, self)
        n = self.in_features
        arguments: list[Any] = [0.0] * (2 * n + 1)  # w1, x1, ..., wn, xn, b
        arguments[1:-1:2] = x
        out = []
        for j, row in enumerate(self.weight):
            arguments[0:-1:2] = row
            arguments[-1] = self.bias[j] if self.bias is not None else 0.0
            out.append(Value.dot(*arguments))
        return out

    def __repr__(self) -> str:
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None})"
        )


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs; every layer but the last is non-linear.

    ``MLP(2, [16, 1], "tanh")`` and ``MLP(2, [16, 1], activation="tanh")`` are the same.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu") -> None:
        nin = check_size(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin] + [check_size(n, "each layer size in nouts") for n in nouts]
        check_activation(activation)
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != last, activation=activation)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Any) -> Value | list[Value]:
        x = as_inputs(x, len(self.layers[0].neurons[0].w), self)
        for layer in self.layers:
            x = layer(x)
        return x

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64 (needs torch)."""
        from neurograd_nn.torch_bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, sequential: Any) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of Linear and activation layers."""
        from neurograd_nn.torch_bridge import from_torch

        return from_torch(sequential)
