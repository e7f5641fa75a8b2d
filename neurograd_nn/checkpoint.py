"""A training run's whole state in one JSON file: model, optimizer and schedule together.

Saving all three at once, atomically, is what lets a stopped run resume and end
bit-identical to one that never stopped: weights alone lose the momentum
buffers, Adam's moments and step count, and where the schedule was. Loading is
all or nothing: if any part is refused, all three are left as they were.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neurograd_nn.module import Module
from neurograd_nn.optim import Optimizer
from neurograd_nn.schedules import LRSchedule
from neurograd_nn.serialization import non_finite_entry, read_json, write_json

FORMAT = "neurograd-checkpoint"
VERSION = 1
PARTS = ("model", "optimizer", "schedule")


def _check_arguments(model: Any, optimizer: Any, schedule: Any) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"model must be a neurograd_nn Module, got {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a neurograd_nn Optimizer, got {type(optimizer).__name__}"
        )
    if schedule is not None and not isinstance(schedule, LRSchedule):
        raise TypeError(f"schedule must be a neurograd_nn schedule, got {type(schedule).__name__}")


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Optimizer,
    schedule: LRSchedule | None = None,
) -> Path:
    """Write the model's, optimizer's and schedule's states to ``path`` in one atomic write."""
    _check_arguments(model, optimizer, schedule)
    parts = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "schedule": None if schedule is None else schedule.state_dict(),
    }
    for part, state in parts.items():
        problem = state is not None and non_finite_entry(state)
        if problem:
            raise ValueError(f"cannot save a checkpoint: {part} entry {problem}")
    document = {"format": FORMAT, "version": VERSION, "architecture": repr(model), **parts}
    return write_json(path, document)


def load_checkpoint(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Optimizer,
    schedule: LRSchedule | None = None,
) -> None:
    """Restore a checkpoint written by ``save_checkpoint``; on any error nothing changes.

    Pass the same kinds of objects that were saved: a checkpoint with a schedule
    needs one, and one without cannot fill one.
    """
    _check_arguments(model, optimizer, schedule)
    document = read_json(path, FORMAT, VERSION, "checkpoint")
    given: dict[str, Module | Optimizer | LRSchedule | None] = {
        "model": model,
        "optimizer": optimizer,
        "schedule": schedule,
    }
    for part in PARTS:
        state = document.get(part)
        if state is None and given[part] is None:
            continue
        if state is None:
            raise ValueError(f"{path} holds no {part} state, but a {part} was given to load into")
        if given[part] is None:
            raise ValueError(f"{path} holds a {part} state: pass the {part} to load it into")
        if not isinstance(state, dict):
            raise ValueError(
                f"{path} is not a valid Neurograd checkpoint: {part!r} is not an object"
            )
        problem = non_finite_entry(state)
        if problem:
            raise ValueError(f"{path}: {part} entry {problem}")
    targets = [(part, target) for part in PARTS if (target := given[part]) is not None]
    before = [target.state_dict() for _, target in targets]
    try:
        for part, target in targets:
            try:
                target.load_state_dict(document[part])
            except (KeyError, TypeError, ValueError) as err:
                message = err.args[0] if err.args else err
                raise type(err)(f"{path}: {part}: {message}") from None
    except BaseException:
        for (_, target), state in zip(targets, before):
            target.load_state_dict(state)
        raise
