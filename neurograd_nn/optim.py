"""Optimizers with ``torch.optim``'s update rules: ``SGD``, ``Adam``, ``AdamW``.

Usage is PyTorch's: ``opt.zero_grad(); loss.backward(); opt.step()``. The
learning rate is ``opt.lr``, which a schedule (``neurograd_nn.schedules``) may
change between steps. Each parameter is one ``Value``, so the per-parameter
state (momentum, moments) is a list of floats.

Each update rule is written once, over numbers or arrays alike. While a
replayed objective trains (``neurograd_core.replay.compile_batch``), the
parameters' numbers live in two flat numpy arrays; the rule then runs once on
those arrays instead of once per parameter, and the state is held as arrays.

``state_dict()`` holds the settings, the step count and those lists, so that a
run resumed with ``load_state_dict()`` continues exactly where it stopped.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from neurograd_core import Value
from neurograd_nn.module import check_state_keys


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
    """The keys, as ``Module.load_state_dict`` checks them, and the owner's type name."""
    check_state_keys(state, expected, owner)
    if state["type"] != owner:
        raise ValueError(f"state dict is for a {state['type']!r}, not a {owner}")


def _as_list(buffer: Any, size: int) -> list[Any]:
    """A per-parameter buffer as a list: it may be held as an array, or None for all."""
    if buffer is None:
        return [None] * size
    return buffer.tolist() if hasattr(buffer, "tolist") else buffer


def _as_array(buffer: Any) -> Any:
    """A per-parameter buffer as an array, None while not started; ``False`` if partly started."""
    if not isinstance(buffer, list):
        return buffer
    if all(x is None for x in buffer):
        return None
    if any(x is None for x in buffer):
        return False
    import numpy as np

    return np.array(buffer, dtype=np.float64)


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
        self._arrays: Any = None  # (ParameterArrays, data, grad) while they hold the parameters

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        flat = self._flat()
        if flat is not None:
            flat[1][...] = 0.0
            return
        for p in self.params:
            p.grad = 0.0

    def _flat(self) -> tuple[Any, Any] | None:
        """(data, grad): views of the flat arrays that hold exactly these parameters, in order.

        None for plain Values (see ``neurograd_core.replay.parameters``); then the
        rule runs parameter by parameter.
        """
        if type(self.params[0]) is Value:
            return None
        held = self._arrays
        if held is None or not held[0].live:
            from neurograd_core.replay.parameters import flat_view

            held = self._arrays = flat_view(self.params)
            if held is None:
                return None
        return held[1], held[2]

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
            state[name] = list(_as_list(getattr(self, name), len(self.params)))
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
        self.velocity: Any = [None] * len(self.params)  # a list, or an array (see _flat)

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
        flat = self._flat()
        velocity = None if flat is None else _as_array(self.velocity)
        if flat is None or velocity is False:  # one parameter at a time
            self.velocity = velocities = _as_list(self.velocity, len(self.params))
            for i, p in enumerate(self.params):
                change, velocities[i] = self._update(p.data, p.grad, velocities[i])
                p.data -= change
        else:
            data, grad = flat
            change, velocity = self._update(data, grad, velocity)
            data -= change
            # the first step starts the buffer at the gradient: a copy, not the view
            self.velocity = velocity.copy() if velocity is grad else velocity
        self.steps += 1

    def _update(self, data: Any, grad: Any, velocity: Any) -> tuple[Any, Any]:
        """(what to subtract from data, new velocity), of numbers or arrays alike.

        ``velocity`` is None before the first step.
        """
        momentum = self.momentum
        if self.weight_decay:
            grad = grad + self.weight_decay * data
        if momentum:
            if velocity is None:
                velocity = grad
            elif self.dampening:
                velocity = momentum * velocity + (1.0 - self.dampening) * grad
            else:  # 1.0 * grad is grad: one array operation fewer
                velocity = momentum * velocity + grad
            grad = grad + momentum * velocity if self.nesterov else velocity
        return self.lr * grad, velocity


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
        self.first_moment: Any = [0.0] * len(self.params)
        self.second_moment: Any = [0.0] * len(self.params)

    def settings(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }

    def _gradient(self, data: Any, grad: Any) -> Any:
        """Adam adds L2 weight decay to the gradient; AdamW decays the weights instead."""
        return grad + self.weight_decay * data if self.weight_decay else grad

    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**self.steps)
        correction2 = math.sqrt(1.0 - beta2**self.steps)
        flat = self._flat()
        if flat is None:  # one parameter at a time
            n = len(self.params)
            m = self.first_moment = _as_list(self.first_moment, n)
            v = self.second_moment = _as_list(self.second_moment, n)
            for i, p in enumerate(self.params):
                change, m[i], v[i] = self._update(
                    p.data, p.grad, m[i], v[i], step_size, correction2, math.sqrt
                )
                p.data -= change
        else:
            import numpy as np

            data, grad = flat
            change, self.first_moment, self.second_moment = self._update(
                data,
                grad,
                _as_array(self.first_moment),
                _as_array(self.second_moment),
                step_size,
                correction2,
                np.sqrt,
            )
            data -= change

    def _update(
        self,
        data: Any,
        grad: Any,
        m: Any,
        v: Any,
        step_size: float,
        correction2: float,
        sqrt: Any,
    ) -> tuple[Any, Any, Any]:
        """(what to subtract from data, first moment, second moment), of numbers or arrays."""
        beta1, beta2 = self.betas
        grad = self._gradient(data, grad)
        m = beta1 * m + (1.0 - beta1) * grad
        v = beta2 * v + (1.0 - beta2) * grad * grad
        return step_size * m / (sqrt(v) / correction2 + self.eps), m, v


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

    def _gradient(self, data: Any, grad: Any) -> Any:
        return grad

    def step(self) -> None:
        shrink = 1.0 - self.lr * self.weight_decay
        flat = self._flat()
        if flat is not None:
            flat[0][...] *= shrink
        else:
            for p in self.params:
                p.data *= shrink
        super().step()
