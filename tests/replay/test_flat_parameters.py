"""While a replayed objective trains, parameters live in flat arrays; user code sees no change.

Training with Neurograd's optimizers on the flat arrays ends where eager training ends.
"""

from __future__ import annotations

import copy
import json
import pickle
import random

import numpy as np
import pytest

from neurograd_core import Value
from neurograd_core.replay import ParameterArrays, compile_batch, trace
from neurograd_core.replay.parameters import StoredValue
from neurograd_nn import MLP, SGD, Adam, AdamW
from neurograd_nn.losses import hinge_loss, l2_penalty
from neurograd_nn.training import accuracy, cyclic_gc_paused

ALPHA = 1e-4


def demo_objective(model, X, Y):
    def loss_and_score(x, y):
        score = model(x)
        return (1 + -y * score).relu(), score

    return compile_batch(
        loss_and_score, model.parameters(), X, Y, params_term=lambda ps: l2_penalty(ps, ALPHA)
    )


def fresh_model():
    random.seed(1337)
    return MLP(2, [16, 16, 1])


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda ps: SGD(ps, lr=0.05, momentum=0.9),
        lambda ps: Adam(ps, lr=0.01),
    ],
    ids=["sgd-momentum", "adam"],
)
def test_100_replayed_steps_end_where_eager_training_ends(assert_close, moons, make_optimizer):
    X, Y = moons
    labels = Y.astype(int).tolist()

    model = fresh_model()
    optimizer = make_optimizer(model.parameters())
    with cyclic_gc_paused():
        for _ in range(100):
            scores = [model(x) for x in X.tolist()]
            loss = hinge_loss(scores, labels) + l2_penalty(model.parameters(), ALPHA)
            model.zero_grad()
            loss.backward()
            optimizer.step()
    eager_loss, eager_accuracy = loss.data, accuracy(scores, labels)
    eager_weights = [p.data for p in model.parameters()]

    model = fresh_model()
    objective = demo_objective(model, X, Y)
    optimizer = make_optimizer(model.parameters())
    assert optimizer._flat() is not None  # the fast path is the one tested
    for _ in range(100):
        optimizer.zero_grad()
        replay_loss = objective.step(X, Y)
        optimizer.step()
    scores = objective.last_outputs[:, 1]
    replay_accuracy = float(np.mean((scores > 0) == (Y > 0)))

    assert abs(replay_loss - eager_loss) <= 1e-9 * abs(eager_loss)
    assert replay_accuracy == eager_accuracy
    assert_close([p.data for p in model.parameters()], eager_weights, rel=1e-9)
    assert replay_loss < 0.5  # it trained


def test_values_read_and_write_their_entries(moons):
    X, Y = moons
    model = fresh_model()
    params = model.parameters()
    before = [p.data for p in params]
    objective = demo_objective(model, X, Y)
    arrays = objective.arrays
    assert isinstance(arrays, ParameterArrays) and len(arrays) == len(params)
    assert all(isinstance(p, StoredValue) and isinstance(p, Value) for p in params)
    assert [p.data for p in params] == before
    assert type(params[0].data) is float

    params[3].data = 2.5  # user code writes a number: the replay sees it
    assert arrays.data[3] == 2.5
    objective.step(X, Y)
    assert [p.grad for p in params] == arrays.grad.tolist()
    assert params[3].grad != 0.0

    y = params[3] * 2.0 + params[4]  # eager mode on stored Values
    y.backward()
    assert y.data == 2.5 * 2.0 + before[4]
    assert arrays.grad[4] == params[4].grad


def test_release_gives_plain_values_with_the_numbers(moons):
    X, Y = moons
    model = fresh_model()
    objective = demo_objective(model, X, Y)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        optimizer.zero_grad()
        objective.step(X, Y)
        optimizer.step()
    numbers = objective.arrays.data.tolist()
    grads = objective.arrays.grad.tolist()
    objective.release()
    params = model.parameters()
    assert all(type(p) is Value for p in params)
    assert [p.data for p in params] == numbers and [p.grad for p in params] == grads

    optimizer.zero_grad()  # the optimizer and the objective go on, a parameter at a time
    loss = objective.step(X, Y)
    optimizer.step()
    assert all(type(p) is Value for p in params)
    assert loss > 0 and [p.data for p in params] != numbers


def test_copies_and_pickles_are_plain_values(moons):
    X, Y = moons
    model = fresh_model()
    demo_objective(model, X, Y)
    clone = copy.deepcopy(model)
    assert all(type(p) is Value for p in clone.parameters())
    assert [p.data for p in clone.parameters()] == [p.data for p in model.parameters()]
    clone.parameters()[0].data = 99.0
    assert model.parameters()[0].data != 99.0
    restored = pickle.loads(pickle.dumps(model.parameters()[0]))
    assert type(restored) is Value and restored.data == model.parameters()[0].data


def test_copies_keep_a_parameters_label_and_attributes(moons):
    X, Y = moons
    model = fresh_model()
    first = model.parameters()[0]
    first.label, first.m = "w0", 0.25  # a micrograd-style optimizer's state on the Value
    demo_objective(model, X, Y)
    for copied in (copy.deepcopy(first), pickle.loads(pickle.dumps(first))):
        assert type(copied) is Value and (copied.label, copied.m) == ("w0", 0.25)
        assert copied.data == first.data and copied.grad == first.grad


def test_parameters_shared_by_objectives_in_another_order(assert_close, moons):
    """A second objective over some of the parameters, reversed: read through an index."""
    X, Y = moons
    model = fresh_model()
    first = demo_objective(model, X, Y)
    subset = model.parameters()[:40][::-1]
    second = compile_batch(lambda x, y: (model(x) * y).tanh(), subset, X, Y)
    assert second.arrays is first.arrays
    second.step(X, Y)
    replay_grads = [p.grad for p in subset]
    for p in model.parameters():
        p.grad = 0.0
    for x, y in zip(X.tolist(), Y.tolist()):
        ((model(x) * y).tanh() * (1.0 / len(X))).backward()
    assert_close(replay_grads, [p.grad for p in subset])


def test_values_that_cannot_move_are_read_one_by_one(assert_close, moons):
    class Labelled(Value):
        __slots__ = ()

    X, _ = moons
    w = [Labelled(0.5), Value(-0.25)]
    objective = compile_batch(lambda x: (x[0] * w[0] + x[1] * w[1]).relu(), w, X)
    assert objective.arrays is None and type(w[0]) is Labelled
    objective.step(X)
    expected = [0.0, 0.0]
    for a, b in X.tolist():
        z = a * 0.5 - 0.25 * b
        if z > 0:
            expected[0] += a / len(X)
            expected[1] += b / len(X)
    assert_close([p.grad for p in w], expected)


@pytest.mark.parametrize("kind", [SGD, Adam, AdamW])
def test_optimizer_state_is_plain_json_after_flat_steps(moons, kind):
    X, Y = moons
    model = fresh_model()
    objective = demo_objective(model, X, Y)
    settings = {"lr": 0.05} if kind is not SGD else {"lr": 0.05, "momentum": 0.9}
    optimizer = kind(model.parameters(), **settings)
    for _ in range(3):
        optimizer.zero_grad()
        objective.step(X, Y)
        optimizer.step()
    state = json.loads(json.dumps(optimizer.state_dict()))
    buffers = [state[name] for name in kind.buffers]
    assert all(type(x) is float for buffer in buffers for x in buffer)

    resumed = kind(model.parameters(), **settings)
    resumed.load_state_dict(state)
    saved = [p.data for p in model.parameters()]
    runs = []
    for opt in (optimizer, resumed):
        for p, value in zip(model.parameters(), saved):
            p.data = value
        opt.zero_grad()
        objective.step(X, Y)
        opt.step()
        runs.append([p.data for p in model.parameters()])
    assert runs[0] == runs[1]


def test_trace_alone_leaves_values_where_they_are(moons):
    X, _ = moons
    model = fresh_model()
    trace(model, model.parameters(), X).forward(X)
    assert all(type(p) is Value for p in model.parameters())
