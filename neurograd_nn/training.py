"""micrograd's training loop, split so that one step is one function.

``train_step`` is the eager step: build the graph, backpropagate, update. It
is the seam for other ways of running a step (a traced and replayed graph,
say): anything with its signature can be handed to ``train(step=...)``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

from neurograd_core import Value
from neurograd_nn.layers import MLP
from neurograd_nn.losses import hinge_loss, l2_penalty
from neurograd_nn.optim import SGD, Optimizer
from neurograd_nn.schedules import LambdaLR, LRSchedule

REGULARIZATION = 1e-4  # micrograd's alpha


@dataclass(frozen=True)
class StepResult:
    """What one training step reports: the total loss before the update, and the accuracy."""

    loss: float
    accuracy: float


StepFunction = Callable[[MLP, Optimizer, Sequence[Sequence[float]], Sequence[int]], StepResult]


def accuracy(scores: Sequence[Value], labels: Sequence[int]) -> float:
    """The fraction of samples whose score has the sign of their -1/+1 label."""
    right = sum((y > 0) == (s.data > 0) for s, y in zip(scores, labels))
    return right / len(labels)


def train_step(
    model: MLP, optimizer: Optimizer, inputs: Sequence[Sequence[float]], labels: Sequence[int]
) -> StepResult:
    """One step of micrograd's demo: max-margin loss plus L2, backward, optimizer update."""
    scores = [model(x) for x in inputs]  # one Value each: the demo's model ends in one neuron
    loss = hinge_loss(scores, labels) + l2_penalty(model.parameters(), REGULARIZATION)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return StepResult(loss.data, accuracy(cast(list[Value], scores), labels))


def micrograd_schedule(optimizer: Optimizer, steps: int) -> LRSchedule:
    """micrograd's learning rate: 1.0 - 0.9 * k / steps (times the optimizer's base rate)."""
    return LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / steps)


def demo_optimizer(model: MLP) -> SGD:
    """Plain SGD at rate 1.0, which with ``micrograd_schedule`` is micrograd's update."""
    return SGD(model.parameters(), lr=1.0)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while graphs are built.

    A step creates tens of thousands of nodes; each allocation burst triggers a
    collection that scans them all, although a graph has no reference cycles
    and is freed by reference counting alone. Measured on the default demo,
    this scanning was most of the forward pass.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def train(
    model: MLP,
    optimizer: Optimizer,
    schedule: LRSchedule | None,
    inputs: Sequence[Sequence[float]],
    labels: Sequence[int],
    steps: int,
    *,
    step: StepFunction = train_step,
    on_step: Callable[[int, StepResult], Any] | None = None,
    progress: bool | None = None,
    progress_file: IO[str] | None = None,
    live_plot: bool = False,
    plot_every: int = 10,
) -> list[StepResult]:
    """Run ``steps`` steps of ``step``; ``on_step(k, result)`` is told after each one.

    A tqdm bar shows the steps with the latest loss and accuracy: on a terminal or
    in a notebook when ``progress`` is None, always when True, never when False
    (``progress_file``: where its text goes, stderr by default). ``live_plot=True``
    draws the loss curve in the notebook cell, redrawn every ``plot_every`` steps.
    """
    from neurograd_nn.progress import LiveLossPlot, progress_bar, show_step

    plot = LiveLossPlot(plot_every) if live_plot else None  # refuses before any step
    history = []
    with progress_bar(steps, progress=progress, file=progress_file) as bar, cyclic_gc_paused():
        for k in range(steps):
            result = step(model, optimizer, inputs, labels)
            if schedule is not None:
                schedule.step()
            history.append(result)
            show_step(bar, result)
            if plot is not None:
                plot.update(k, result)
            if on_step is not None:
                on_step(k, result)
    if plot is not None:
        plot.close()
    return history
