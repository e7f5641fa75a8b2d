"""A function that calls grad(..., create_graph=True) inside traces and replays like any other.

The gradient's graph is made of ordinary op nodes. While replay traces, an op
body's comparisons and ``xp.where`` become nodes too (``neurograd_core.branches``),
so a relu model's gradient, which takes a different branch per example, is one
graph for the whole batch. Every result is compared with eager mode, which picks
branches (no recording), within 1e-12.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from neurograd_core import Value, grad, registry
from neurograd_core.modes import recording_branches
from neurograd_core.replay import compile_batch, trace
from neurograd_core.replay.trace import flatten
from neurograd_core.testing.sampling import sample_points
from neurograd_nn import MLP
from neurograd_nn.datasets import make_moons

PENALTY = 0.1
ATTRIBUTES = {"pow": {"exponent": 3}}  # ops that cannot go without an attribute


def replayed(per_example, w, columns, backend):
    """The outputs over the batch ``columns`` and d(sum of outputs)/dw, replayed on
    ``backend`` ("numpy", "torch", or "to_torch": numpy's trace as a torch module)."""
    replay = trace(
        per_example, [w], *columns, backend="numpy" if backend == "to_torch" else backend
    )
    if backend != "to_torch":
        outputs = replay.forward(*columns)
        replay.backward()
        return outputs, w.grad
    import torch

    module = replay.to_torch()
    out = module(*[torch.tensor(c) for c in columns])
    out.sum().backward()
    return out.detach().numpy(), module.params.grad.item()


def penalised(model, activation=None):
    def per_example(x, y):
        score = model(x)
        slopes = grad(score, x, create_graph=True)
        margin = 1 + -y * score
        loss = margin.relu() if activation == "relu" else margin.tanh()
        return loss + PENALTY * sum(g * g for g in slopes)

    return per_example


def moons_and_model(activation):
    random.seed(3)
    X, y = make_moons(40, noise=0.1, random_state=3)
    return X, 2.0 * y - 1.0, MLP(2, [8, 8, 1], activation=activation)


def eager_objective(per_example, params, X, Y):
    for p in params:
        p.grad = 0.0
    losses = [per_example([Value(a) for a in x], t) for x, t in zip(X.tolist(), Y.tolist())]
    loss = sum(losses) * (1.0 / len(losses))
    loss.backward()
    return loss.data, [p.grad for p in params]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_replayed_gradient_penalty_equals_eager(assert_close, backend, activation):
    X, Y, model = moons_and_model(activation)
    params = model.parameters()
    per_example = penalised(model, activation)
    objective = compile_batch(per_example, params, X, Y, backend=backend)
    replayed = objective.step(X, Y)
    replay_grads = [p.grad for p in params]

    loss, eager_grads = eager_objective(per_example, params, X, Y)
    assert_close(replayed, loss)
    assert_close(replay_grads, eager_grads)
    assert np.abs(replay_grads).max() > 1e-3


def test_a_relu_models_eager_gradient_graph_depends_on_the_example():
    """What the recorded branches are for: without them, examples build different graphs."""
    X, Y, model = moons_and_model("relu")

    def graph_of(i, record):
        x, y = [Value(a) for a in X[i].tolist()], Value(Y[i])
        if record:
            with recording_branches():
                out = penalised(model, "relu")(x, y)
        else:
            out = penalised(model, "relu")(x, y)
        return flatten([out], [*x, y], model.parameters()).signature()

    eager = {tuple(graph_of(i, False)) for i in range(len(X))}
    recorded = {tuple(graph_of(i, True)) for i in range(len(X))}
    assert len(eager) > 1
    assert len(recorded) == 1


def test_a_relu_penalty_trains_under_replay_as_eagerly(assert_close):
    X, Y, model = moons_and_model("relu")
    params = model.parameters()
    per_example = penalised(model, "relu")
    start = [p.data for p in params]
    objective = compile_batch(per_example, params, X, Y)
    for _ in range(5):
        for p in params:
            p.grad = 0.0  # step() adds into .grad, as backward() does
        objective.step(X, Y)
        for p in params:
            p.data -= 0.1 * p.grad
    replayed = [p.data for p in params]
    del objective

    for p, data in zip(params, start):
        p.data = data
    for _ in range(5):
        _, grads = eager_objective(per_example, params, X, Y)
        for p, g in zip(params, grads):
            p.data -= 0.1 * g
    assert_close(replayed, [p.data for p in params])
    assert max(abs(a - b) for a, b in zip(replayed, start)) > 1e-3


def test_to_torch_runs_a_relu_penalty(assert_close):
    torch = pytest.importorskip("torch")
    X, Y, model = moons_and_model("relu")
    params = model.parameters()

    def penalty_of(x):
        score = model(x)
        return sum(g * g for g in grad(score, x, create_graph=True))

    replay = trace(penalty_of, params, X)
    module = replay.to_torch()
    out = module(torch.tensor(X))
    out.sum().backward()
    for p in params:
        p.grad = 0.0
    eager = []
    for row in X.tolist():
        value = penalty_of([Value(a) for a in row])
        value.backward()
        eager.append(value.data)
    assert_close(out.detach().numpy(), eager)
    assert_close(module.params.grad.numpy(), [p.grad for p in params])


def test_a_third_derivative_inside_a_traced_function(assert_close):
    """grad of grad inside: the where nodes' own backward runs on Values too."""
    w = Value(0.7)

    def curvature(x):
        y = (w * x).relu() * (w * x) + (w * x).abs() * x
        (slope,) = grad(y, x, create_graph=True)
        (bend,) = grad(slope, x, create_graph=True)
        return bend * bend + slope

    xs = np.array([-1.5, -0.2, 0.0, 0.3, 2.0])
    replay = trace(curvature, [w], xs)
    outputs = replay.forward(xs)
    replay.backward()
    replay_grad = w.grad
    w.grad = 0.0
    eager = []
    for x in xs.tolist():
        out = curvature(Value(x))
        out.backward()
        eager.append(out.data)
    assert_close(outputs, eager)
    assert_close(replay_grad, w.grad)


def test_comparisons_outside_op_bodies_stay_bools_while_tracing():
    """Only op bodies record their comparisons: user code still branches on a bool."""
    seen = []

    def fn(x):
        seen.append(type(x > 0))
        (slope,) = grad(x.relu() * x, x, create_graph=True)
        seen.append(type(slope > 0))
        return slope

    trace(fn, [], np.array([-1.0, 2.0]))
    assert seen and set(seen) == {bool}


@pytest.mark.parametrize("backend", ["numpy", "torch", "to_torch"])
@pytest.mark.parametrize("name", registry.names())
def test_every_ops_gradient_penalty_replays_as_eager(assert_close, name, backend):
    """The penalty of a one-op model, on sample points, on the op's kinks, where the
    branches differ from one example to the next, and far out, where a branch that an
    example does not take overflows (its gradient must not leak in as NaN)."""
    op = registry.find(name)
    assert not op.required_attrs or name in ATTRIBUTES, f"give {name!r} attributes here"
    attrs = ATTRIBUTES.get(name, {})
    points = sample_points(op, 6)
    n = len(points[0])
    points = [p for p in points if len(p) == n]
    for kink in op.kinks:
        for shift in (0.0, 1e-3, -1e-3):
            point = (kink + shift,) * n
            if op.domain is None or op.domain(*point):
                points.append(point)
    for far in (-800.0, 800.0, -1e300, 1e300):  # where a branch not taken overflows
        point = (far,) * n
        if op.domain is None or op.domain(*point):
            points.append(point)
    columns = [np.array(column) for column in zip(*points)]
    w = Value(1.0)  # w * x is x: the kinks stay where they are

    def per_example(*xs):
        out = op_apply(op, [w * xs[0], *xs[1:]], attrs)  # not [w * x for x in xs]: div(wa, wb)
        slopes = grad(out, list(xs), create_graph=True, allow_unused=True)
        return out + sum(g * g for g in slopes if g is not None)

    outputs, replay_grad = replayed(per_example, w, columns, backend)
    eager, eager_grads = [], []
    for row in zip(*[c.tolist() for c in columns]):
        w.grad = 0.0
        out = per_example(*[Value(x) for x in row])
        out.backward()
        eager.append(out.data)
        eager_grads.append(w.grad)
    assert_close(outputs, eager)
    expected = math.fsum(eager_grads) if all(map(math.isfinite, eager_grads)) else sum(eager_grads)
    if not math.isfinite(expected):  # an infinity (exp at 800) or NaN: the same one
        assert replay_grad == expected or (math.isnan(replay_grad) and math.isnan(expected))
    else:  # a sum over examples, whose terms may cancel: within 1e-12 of their sizes
        assert abs(replay_grad - expected) <= 1e-12 * sum(map(abs, eager_grads))


def op_apply(op, inputs, attrs):
    from neurograd_core.value import apply

    return apply(op, *inputs, **attrs)


def _bent(xp, x, w):
    """w e**x + w x**2 / 2 + x below 0, w x above: one op whose gradient is a weighted sum
    on one side, with the weight a parameter (so replay would merge it into a product)."""
    return xp.where(x < 0, w * xp.exp(x) + w * (x * x / 2) + x, w * x)


def _bent_backward(xp, grad, out, x, w):
    d_x = xp.where(x < 0, w * xp.exp(x) + w * x + 1.0, w)
    d_w = xp.where(x < 0, xp.exp(x) + x * x / 2, x)
    return grad * d_x, grad * d_w


@pytest.mark.parametrize("backend", ["numpy", "torch", "to_torch"])
def test_a_weighted_sum_in_a_branch_not_taken_leaks_nothing_into_its_weight(backend):
    """At x = 800 the x < 0 side's e**x overflows; no example there takes it, so its
    weight's gradient must get nothing from it (a merged sum would add 0 * inf)."""
    from neurograd_core import Op
    from neurograd_core.value import apply

    op = Op("bent", _bent, _bent_backward)
    w = Value(0.5)

    def per_example(x):
        (slope,) = grad(apply(op, x, w), x, create_graph=True)
        return slope * slope

    xs = np.array([-1.0, -0.25, 0.5, 800.0])
    with registry.isolated():
        registry.register(op)
        outputs, replay_grad = replayed(per_example, w, [xs], backend)
        w.grad = 0.0
        eager = []
        for x in xs.tolist():
            out = per_example(Value(x))
            out.backward()
            eager.append(out.data)
    np.testing.assert_allclose(outputs, eager, rtol=1e-12)
    assert math.isfinite(w.grad)
    assert replay_grad == pytest.approx(w.grad, rel=1e-12)


def _steep(xp, x, w):
    """e**(1000 w) x below 0, x above."""
    return xp.where(x < 0, xp.exp(w * 1000.0) * x, x)


def _steep_backward(xp, grad, out, x, w):
    d_x = xp.where(x < 0, xp.exp(w * 1000.0), 1.0)
    d_w = xp.where(x < 0, 1000.0 * xp.exp(w * 1000.0) * x, 0.0)
    return grad * d_x, grad * d_w


def test_a_parameters_overflow_in_a_branch_no_example_takes_leaks_nothing():
    """e**(1000 w) is computed from the parameter alone (one number for the batch) and
    overflows; every example takes the other side, so w gets no gradient, as eagerly."""
    from neurograd_core import Op
    from neurograd_core.value import apply

    op = Op("steep", _steep, _steep_backward)
    w = Value(1.0)

    def per_example(x):
        (slope,) = grad(apply(op, x, w), x, create_graph=True)
        return slope * slope + w * 0.0  # w is an input of every example's graph

    xs = np.array([0.25, 0.5, 3.0])
    with registry.isolated():
        registry.register(op)
        replay = trace(per_example, [w], xs)
        np.testing.assert_array_equal(replay.forward(xs), [1.0, 1.0, 1.0])
        replay.backward()
    assert w.grad == 0.0
