"""Optimizers with ``torch.optim``'s update rules: ``SGD``, ``Adam``, ``AdamW``.

Usage is PyTorch's: ``opt.zero_grad(); loss.backward(); opt.step()``. The
learning rate is ``opt.lr``, which a schedule (``neurograd_nn.schedules``) may
change between steps. Each parameter is one ``Value``, so the per-parameter
state (momentum, moments) is a list of floats.

``state_dict()`` holds the settings, the step count and those lists, so that a
run resumed with ``load_state_dict()`` continues exactly where it stopped.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from neurograd_core import Value


def _number(value: Any, what: str, low: float = 0.0, below: float | None = None) -> float:
    """``value`` as a float in ``[low, below)``, or a TypeError/ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond the largest float
        raise ValueError(f"{what} must be finite, got an integer too large for a float") from None
    if not math.isfinite(value) or value < low or (below is not None and value >= below):
        if below is not None:
            bound = f"in [{low}, {below})"
        else:
            bound = f">= {low}" if math.isfinite(low) else "finite"
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


def _check_keys(state: Mapping[str, Any], expected: Iterable[str], owner: str) -> None:
    """A KeyError naming the missing and unexpected keys, as ``Module.load_state_dict`` gives."""
    if not isinstance(state, Mapping):
        raise TypeError(f"load_state_dict expects a mapping, got {type(state).__name__}")
    expected = list(expected)
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing keys {missing}")
        if unexpected:
            problems.append(f"unexpected keys {unexpected}")
        raise KeyError(f"state dict does not match {owner}: " + "; ".join(problems))
    if state["type"] != owner:
        raise ValueError(f"state dict is for a {state['type']!r}, not a {owner}")


def _count(value: Any, what: str) -> int:
    """A whole number >= 0 (a step count), or a TypeError/ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {value}")
    return int(value)


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define ``step()``.

    A subclass with per-parameter state lists it in ``buffers`` (attribute name
    -> smallest allowed value) and its constructor's settings in ``settings()``;
    ``state_dict`` and ``load_state_dict`` then work for it unchanged.
    """

    buffers: ClassVar[dict[str, float]] = {}

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

    def settings(self) -> dict[str, Any]:
        """The keyword arguments that build an optimizer with these settings (JSON values)."""
        return {"lr": self.lr}

    def state_dict(self) -> dict[str, Any]:
        """Settings, step count and per-parameter buffers, as plain JSON-ready values (copies)."""
        state: dict[str, Any] = {"type": type(self).__name__, "steps": self.steps}
        state.update(self.settings())
        for name in self.buffers:
            state[name] = list(getattr(self, name))
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned; on any error the optimizer is unchanged.

        The keys must be exactly this optimizer's, each buffer must hold one
        finite number per parameter, and the settings must be ones the
        constructor accepts (they are checked by building an optimizer from them).
        """
        names = list(self.settings())
        _check_keys(state, ["type", "steps", *names, *self.buffers], type(self).__name__)
        steps = _count(state["steps"], "steps")
        try:
            checked = type(self)(self.params, **{name: state[name] for name in names})
        except (TypeError, ValueError) as err:
            raise type(err)(f"optimizer state has a bad setting: {err}") from None
        buffers = {name: self._check_buffer(name, state[name]) for name in self.buffers}
        for name in names:
            setattr(self, name, getattr(checked, name))
        for name, values in buffers.items():
            setattr(self, name, values)
        self.steps = steps

    def _check_buffer(self, name: str, values: Any) -> list[Any]:
        """``values`` as a new list with one allowed number per parameter, or an error naming it."""
        if not isinstance(values, (list, tuple)):
            raise TypeError(f"optimizer state {name!r} must be a list, got {type(values).__name__}")
        if len(values) != len(self.params):
            raise ValueError(
                f"optimizer state {name!r} has {len(values)} entries; "
                f"the optimizer has {len(self.params)} parameters"
            )
        return [self._check_item(name, value, f"{name}[{i}]") for i, value in enumerate(values)]

    def _check_item(self, name: str, value: Any, where: str) -> Any:
        return _number(value, f"optimizer state {where}", low=self.buffers[name])


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (Nesterov too) and weight decay."""

    buffers: ClassVar[dict[str, float]] = {"velocity": -math.inf}  # None until the first step

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
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov needs a momentum > 0 and dampening 0")
        self.nesterov = nesterov
        self.velocity: list[float | None] = [None] * len(self.params)

    def settings(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
        }

    def _check_item(self, name: str, value: Any, where: str) -> Any:
        """A momentum buffer not started yet (before the first step) is None."""
        return None if value is None else super()._check_item(name, value, where)

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

    buffers: ClassVar[dict[str, float]] = {"first_moment": -math.inf, "second_moment": 0.0}

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

    def settings(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }

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
