"""``compile_batch``: a training objective over a batch, from the loss of one example.

The objective is ``reduction(per_example(x_i, y_i) for every example) + params_term(params)``,
the shape of micrograd's demo loss (mean hinge loss plus L2). The per-example
part is traced and replayed over the batch; ``params_term`` depends on the
parameters alone, so it is traced and replayed once per step, unbatched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurograd_core.replay.replay import Replay
from neurograd_core.replay.tracer import trace
from neurograd_core.value import Value

REDUCTIONS = ("mean", "sum")


class BatchObjective:
    """The compiled objective: ``step`` (forward + backward) and ``forward`` (loss only).

    ``per_example`` and ``params_term`` are the two ``Replay`` objects it runs.
    After each call, ``last_losses`` holds the per-example losses, shape ``(N,)``,
    and ``last_outputs`` everything ``per_example`` returned: the losses again when
    it returned one Value, else shape ``(N, k)`` (column 0 the losses).
    """

    def __init__(self, per_example: Replay, params_term: Replay | None, reduction: str) -> None:
        self.per_example = per_example
        self.params_term = params_term
        self.reduction = reduction
        self.params = per_example.params
        self.last_losses: np.ndarray | None = None
        self.last_outputs: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"BatchObjective({self.per_example!r}, reduction={self.reduction!r})"

    def forward(self, *arrays: Any) -> float:
        """The objective's value on this batch; no gradient is touched."""
        values = self.per_example.param_values()
        outputs = self.per_example.forward_with(values, *arrays)
        losses = outputs if outputs.ndim == 1 else outputs[:, 0]
        self.last_outputs, self.last_losses = outputs, losses
        total = float(losses.sum())
        if self.reduction == "mean":
            total *= 1.0 / len(losses)  # as micrograd's demo writes its mean
        if self.params_term is not None:
            total += float(self.params_term.forward_with(values)[0])
        return total

    def step(self, *arrays: Any) -> float:
        """The objective's value; adds its gradient into every parameter's ``.grad``."""
        total = self.forward(*arrays)
        assert self.last_outputs is not None
        n_examples = len(self.last_outputs)
        scale = 1.0 / n_examples if self.reduction == "mean" else 1.0
        seeds: Any = scale
        if self.last_outputs.ndim == 2:  # only the losses, in column 0, are differentiated
            seeds = np.zeros(tuple(self.last_outputs.shape))
            seeds[:, 0] = scale
        grads = self.per_example.gradients(seeds)
        if self.params_term is not None:
            grads += self.params_term.gradients(1.0)
        self.per_example.add_to_grads(grads)
        return total


def compile_batch(
    per_example: Callable[..., Value],
    params: Sequence[Value],
    *arrays: Any,
    reduction: str = "mean",
    params_term: Callable[[list[Value]], Value] | None = None,
    verify: int = 8,
    recheck_every: int = 100,
    backend: str = "numpy",
    device: Any = None,
) -> BatchObjective:
    """Trace ``per_example`` on the first example of ``arrays`` and ``params_term`` on ``params``.

    ``per_example`` takes one argument per array (a Value, or a list of Values for a
    2-D array) and returns that example's loss as one Value, or a tuple
    ``(loss, *more)`` to also get other values of the same pass (such as the
    model's score) in ``last_outputs``. ``reduction`` is
    ``"mean"`` or ``"sum"`` over the batch. ``params_term(params)`` returns a Value
    computed from the parameters alone (e.g. ``alpha * sum(p * p for p in params)``).
    ``backend`` (``"numpy"`` or ``"torch"``) and ``device`` are as for ``trace``.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    params = list(params)
    on = {"backend": backend, "device": device}
    losses = trace(per_example, params, *arrays, verify=verify, recheck_every=recheck_every, **on)
    term = None
    if params_term is not None:
        term = trace(lambda: params_term(params), params, recheck_every=recheck_every, **on)
    return BatchObjective(losses, term, reduction)
