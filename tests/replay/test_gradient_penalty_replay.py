"""A function that calls grad(..., create_graph=True) inside traces and replays like any other:
the gradient's graph is made of ordinary op nodes."""

from __future__ import annotations

import random

import numpy as np
import pytest

from neurograd_core import Value, grad
from neurograd_core.replay import StaleTraceError, compile_batch
from neurograd_nn import MLP
from neurograd_nn.datasets import make_moons

PENALTY = 0.1


def penalised(model):
    def per_example(x, y):
        score = model(x)
        slopes = grad(score, x, create_graph=True)
        return (1 + -y * score).tanh() + PENALTY * sum(g * g for g in slopes)

    return per_example


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_replayed_gradient_penalty_equals_eager(assert_close, backend):
    random.seed(3)
    X, y = make_moons(40, noise=0.1, random_state=3)
    Y = 2.0 * y - 1.0
    model = MLP(2, [8, 8, 1], activation="tanh")
    params = model.parameters()
    objective = compile_batch(penalised(model), params, X, Y, backend=backend)
    replayed = objective.step(X, Y)
    replay_grads = [p.grad for p in params]

    for p in params:
        p.grad = 0.0
    losses = [penalised(model)([Value(a) for a in x], t) for x, t in zip(X.tolist(), Y.tolist())]
    loss = sum(losses) * (1.0 / len(losses))
    loss.backward()
    assert_close(replayed, loss.data)
    assert_close(replay_grads, [p.grad for p in params])
    assert np.abs(replay_grads).max() > 1e-3


def test_a_relu_models_gradient_graph_depends_on_the_data_and_is_refused():
    """relu's backward picks a branch with xp.where on Values: the gradient's graph
    differs between examples, which the stale-trace check catches instead of replaying
    one example's branch for all."""
    random.seed(3)
    X, y = make_moons(40, noise=0.1, random_state=3)
    model = MLP(2, [8, 1])
    with pytest.raises(StaleTraceError):
        compile_batch(penalised(model), model.parameters(), X, 2.0 * y - 1.0)
