"""Learning-rate schedules, used as ``torch.optim.lr_scheduler``'s: ``scheduler.step()`` once
per epoch (or training step), after ``optimizer.step()``.

Creating a schedule sets ``optimizer.lr`` to its value at step 0; the rate the
optimizer had then is the base rate.

``state_dict()`` holds where the schedule is (base rate, epoch, last rate). Its
settings (``lr_lambda``, ``step_size``, ``gamma``) come from the code that
builds it, as in PyTorch: a function cannot be saved as data.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

from neurograd_nn.optim import Optimizer, _check_keys, _count, _number


class LRSchedule:
    """Sets ``optimizer.lr`` to ``lr_at(step)``; subclasses define ``lr_at``."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule needs a neurograd_nn optimizer, got {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self.last_lr = self._apply()

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self.last_lr = self._apply()

    def state_dict(self) -> dict[str, Any]:
        """Where the schedule is: its base rate, its epoch and the rate it set last."""
        return {
            "type": type(self).__name__,
            "base_lr": self.base_lr,
            "last_epoch": self.last_epoch,
            "last_lr": self.last_lr,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned; on any error the schedule is unchanged.

        The optimizer's rate is not touched: it is in the optimizer's own state.
        """
        _check_keys(state, ["type", "base_lr", "last_epoch", "last_lr"], type(self).__name__)
        base_lr = _number(state["base_lr"], "schedule state base_lr")
        last_epoch = _count(state["last_epoch"], "schedule state last_epoch")
        last_lr = _number(state["last_lr"], "schedule state last_lr")
        self.base_lr, self.last_epoch, self.last_lr = base_lr, last_epoch, last_lr

    def _apply(self) -> float:
        lr = float(self.lr_at(self.last_epoch))
        self.optimizer.lr = lr
        return lr


class LambdaLR(LRSchedule):
    """``base_lr * lr_lambda(epoch)``; micrograd's demo is ``lambda k: 1.0 - 0.9 * k / 100``."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"lr_lambda must be callable, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.lr_lambda(epoch)


class StepLR(LRSchedule):
    """``base_lr * gamma ** (epoch // step_size)``: the rate drops every ``step_size`` epochs."""

    step_size: int
    gamma: float

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral):
            raise TypeError(f"step_size must be an int, got {step_size!r}")
        if step_size < 1:
            raise ValueError(f"step_size must be at least 1, got {step_size}")
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
            raise TypeError(f"gamma must be a number, got {gamma!r}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)
