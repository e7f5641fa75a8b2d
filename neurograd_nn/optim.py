"""Optimizers with ``torch.optim``'s update rules: ``SGD``, ``Adam``, ``AdamW``.

Usage is PyTorch's: ``opt.zero_grad(); loss.backward(); opt.step()``. The
learning rate is ``opt.lr``, which a schedule (``neurograd_nn.schedules``) may
change between steps. Each parameter is one ``Value``, so the per-parameter
state (momentum, moments) is a list of floats.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from neurograd_core import Value


def _number(value: Any, what: str, low: float = 0.0, below: float | None = None) -> float:
    """``value`` as a float in ``[low, below)``, or a TypeError/ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < low or (below is not None and value >= below):
        bound = f"in [{low}, {below})" if below is not None else f">= {low}"
        raise ValueError(f"{what} must be {bound}, got {value}")
    return value


def _parameter_list(params: Iterable[Value]) -> list[Value]:
    if isinstance(params, Value) or hasattr(params, "parameters"):
        raise TypeError(
            "optimizer expects an iterable of Values such as model.parameters(), "
            f"got {type(params).__name__}"
        )
    params = list(params)
    if not params:
        raise ValueError("optimizer got an empty parameter list")
    seen: set[int] = set()
    for index, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"parameter {index} is a {type(p).__name__}, not a Value")
        if id(p) in seen:
            raise ValueError(f"parameter {index} appears more than once")
        seen.add(id(p))
    return params


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define ``step()``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _parameter_list(params)
        self.lr = _number(lr, "lr")
        self.steps = 0  # how many times step() ran

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (Nesterov too) and weight decay."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _number(momentum, "momentum")
        self.dampening = _number(dampening, "dampening")
        self.weight_decay = _number(weight_decay, "weight_decay")
        if nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov needs a momentum > 0 and dampening 0")
        self.nesterov = bool(nesterov)
        self.velocity: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            grad = p.grad
            if decay:
                grad = grad + decay * p.data
            if momentum:
                previous = self.velocity[i]
                if previous is None:  # the first step starts the buffer at the gradient
                    velocity = grad
                else:
                    velocity = momentum * previous + (1.0 - self.dampening) * grad
                self.velocity[i] = velocity
                grad = grad + momentum * velocity if self.nesterov else velocity
            p.data -= lr * grad
        self.steps += 1


class Adam(Optimizer):
    """Adam: per-parameter steps from running means of the gradient and its square."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}") from None
        self.betas = (_number(beta1, "betas[0]", below=1.0), _number(beta2, "betas[1]", below=1.0))
        self.eps = _number(eps, "eps")
        self.weight_decay = _number(weight_decay, "weight_decay")
        self.first_moment = [0.0] * len(self.params)
        self.second_moment = [0.0] * len(self.params)

    def _gradient(self, p: Value) -> float:
        """Adam adds L2 weight decay to the gradient; AdamW decays the weights instead."""
        return p.grad + self.weight_decay * p.data if self.weight_decay else p.grad

    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**self.steps)
        correction2 = math.sqrt(1.0 - beta2**self.steps)
        m, v = self.first_moment, self.second_moment
        for i, p in enumerate(self.params):
            grad = self._gradient(p)
            m[i] = beta1 * m[i] + (1.0 - beta1) * grad
            v[i] = beta2 * v[i] + (1.0 - beta2) * grad * grad
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / correction2 + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: weights shrink by ``lr * weight_decay`` each step."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _gradient(self, p: Value) -> float:
        return p.grad

    def step(self) -> None:
        shrink = 1.0 - self.lr * self.weight_decay
        for p in self.params:
            p.data *= shrink
        super().step()
