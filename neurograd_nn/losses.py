"""Loss functions written with ``Value`` operations, so each builds a graph to backpropagate.

Each returns the mean over samples as one ``Value``. The two losses on logits
never overflow: binary cross-entropy uses ``softplus``, softmax cross-entropy
the ``logsumexp`` op (one node per sample, which subtracts the largest logit).
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from neurograd_core import Value


def _as_value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _paired(predictions: Sequence[Any], targets: Sequence[Any], loss: str) -> int:
    """The number of samples, after checking both sequences have it and it is not 0."""
    try:
        n, m = len(predictions), len(targets)
    except TypeError:
        raise TypeError(f"{loss} expects two sequences (predictions, targets)") from None
    if n != m:
        raise ValueError(f"{loss}: {n} predictions but {m} targets")
    if n == 0:
        raise ValueError(f"{loss}: no samples (empty predictions)")
    return n


def _mean(losses: list[Value]) -> Value:
    # micrograd's reduction, kept exactly: sum from 0, then scale by 1/n
    return sum(losses, Value(0.0)) * (1.0 / len(losses))


def hinge_loss(scores: Sequence[Any], targets: Sequence[Any], margin: float = 1.0) -> Value:
    """SVM max-margin loss: mean of ``relu(margin - y * score)``, for labels y of -1 or +1."""
    _paired(scores, targets, "hinge_loss")
    for index, y in enumerate(targets):
        if y not in (-1, 1):
            raise ValueError(
                f"hinge_loss expects targets of -1 or +1, got {y!r} at index {index} "
                "(turn 0/1 labels into -1/+1 with y * 2 - 1)"
            )
    return _mean([(margin + -y * _as_value(s)).relu() for s, y in zip(scores, targets)])


def mse_loss(predictions: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error, as ``torch.nn.functional.mse_loss``."""
    _paired(predictions, targets, "mse_loss")
    return _mean([(_as_value(p) - t) ** 2 for p, t in zip(predictions, targets)])


def bce_with_logits(logits: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Binary cross-entropy on logits: mean of ``softplus(z) - t * z``, stable for any z."""
    _paired(logits, targets, "bce_with_logits")
    return _mean([_as_value(z).softplus() - t * _as_value(z) for z, t in zip(logits, targets)])


def _class_index(target: Any, classes: int, where: str) -> int:
    if isinstance(target, bool):
        raise TypeError(f"cross_entropy: {where} must be a class index, got {target!r}")
    try:
        index = operator.index(target)
    except TypeError:
        raise TypeError(f"cross_entropy: {where} must be a class index, got {target!r}") from None
    if not 0 <= index < classes:
        raise ValueError(
            f"cross_entropy: {where} is {index}, outside 0..{classes - 1} for {classes} classes"
        )
    return index


def _log_sum_exp_minus(row: Sequence[Value], index: int) -> Value:
    """``log(sum(exp(row))) - row[index]``: one ``logsumexp`` node, stable for any logits."""
    return row[0].logsumexp(*row[1:]) - row[index]


def cross_entropy(logits: Sequence[Any], targets: Any) -> Value:
    """Softmax cross-entropy, as ``torch.nn.functional.cross_entropy``.

    ``logits`` is one row of class scores per sample and ``targets`` the class
    indices; a single row with a single int target works too.
    """
    if isinstance(targets, numbers.Integral):
        logits, targets = [logits], [targets]
    _paired(logits, targets, "cross_entropy")
    rows = []
    for i, row in enumerate(logits):
        if isinstance(row, (Value, numbers.Real)) or len(row) == 0:
            raise ValueError(
                f"cross_entropy: row {i} must be a non-empty sequence of class scores "
                "(pass a single row with a single int target)"
            )
        if len(row) != len(logits[0]):
            raise ValueError(
                f"cross_entropy: row {i} has {len(row)} scores, row 0 has {len(logits[0])}"
            )
        rows.append([_as_value(v) for v in row])
    losses = [
        _log_sum_exp_minus(row, _class_index(t, len(row), f"the target of sample {i}"))
        for i, (row, t) in enumerate(zip(rows, targets))
    ]
    return _mean(losses)


def softmax(row: Sequence[Any]) -> list[Value]:
    """Probabilities from one row of logits (stable: the largest logit is subtracted first)."""
    largest = max(_as_value(v).data for v in row)
    exps = [(_as_value(v) - largest).exp() for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def l2_penalty(parameters: Iterable[Value], alpha: float = 1e-4) -> Value:
    """``alpha * sum(p * p)``: micrograd's L2 regularisation; pass ``model.parameters()``."""
    total = sum(p * p for p in parameters)
    return alpha * _as_value(total)
