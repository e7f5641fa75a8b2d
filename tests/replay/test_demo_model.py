"""Replay on the demo (MLP(2, [16, 16, 1]), hinge loss + 1e-4 L2, moons) equals eager mode.

Eager mode here is neurograd_nn's own loss functions on the whole batch, the way
the demo computes its loss; gradients are also checked against PyTorch float64.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch

from neurograd_core.replay import compile_batch, trace
from neurograd_nn import SGD
from neurograd_nn.losses import hinge_loss, l2_penalty

ALPHA = 1e-4


def hinge(model):
    return lambda x, y: (1 + -y * model(x)).relu()


def l2(params):
    return l2_penalty(params, ALPHA)


def eager_loss(model, X, Y):
    scores = [model(x) for x in X.tolist()]
    return hinge_loss(scores, Y.astype(int).tolist()) + l2_penalty(model.parameters(), ALPHA)


def grads_of(params):
    return np.array([p.grad for p in params])


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_loss_and_gradients_equal_eager(assert_close, moons, demo_model, backend):
    X, Y = moons
    params = demo_model.parameters()
    objective = compile_batch(hinge(demo_model), params, X, Y, params_term=l2, backend=backend)
    replayed = objective.step(X, Y)
    replay_grads = grads_of(params)
    for p in params:
        p.grad = 0.0
    loss = eager_loss(demo_model, X, Y)
    loss.backward()
    assert_close(replayed, loss.data)
    assert_close(replay_grads, grads_of(params))
    assert np.abs(replay_grads).max() > 0.01  # the comparison is not between zeros


def test_gradients_equal_pytorch(assert_close, moons, demo_model):
    X, Y = moons
    params = demo_model.parameters()
    compile_batch(hinge(demo_model), params, X, Y, params_term=l2).step(X, Y)

    layers = []
    for layer in demo_model.layers:
        w = torch.tensor([[p.data for p in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        layers.append((w.requires_grad_(), b.requires_grad_()))
    h = torch.tensor(X)
    for i, (w, b) in enumerate(layers):
        h = h @ w.T + b
        h = torch.relu(h) if i < len(layers) - 1 else h
    y = torch.tensor(Y)
    flat = [t for pair in layers for t in pair]
    loss = torch.relu(1 - y * h[:, 0]).mean() + ALPHA * sum((t * t).sum() for t in flat)
    loss.backward()
    expected = []
    for w, b in layers:  # neurograd's order: each neuron's weights, then its bias
        for row, bias in zip(w.grad, b.grad):
            expected.extend(row.tolist() + [bias.item()])
    assert_close(grads_of(params), expected, rel=1e-10)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_training_follows_eager_training(assert_close, moons, demo_model, backend):
    """Five SGD steps each way from the same weights reach the same weights."""
    X, Y = moons
    params = demo_model.parameters()
    start = [p.data for p in params]
    objective = compile_batch(hinge(demo_model), params, X, Y, params_term=l2, backend=backend)
    optimizer = SGD(params, lr=0.5)
    replay_losses = []
    for _ in range(5):
        optimizer.zero_grad()
        replay_losses.append(objective.step(X, Y))
        optimizer.step()
    replay_end = [p.data for p in params]

    for p, value in zip(params, start):
        p.data = value
    eager_losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = eager_loss(demo_model, X, Y)
        loss.backward()
        optimizer.step()
        eager_losses.append(loss.data)
    assert_close(replay_losses, eager_losses, rel=1e-11)
    assert_close(replay_end, [p.data for p in params], rel=1e-11)
    assert replay_losses[-1] < replay_losses[0]


def test_gradients_accumulate_like_eager(assert_close, moons, demo_model):
    X, Y = moons
    params = demo_model.parameters()
    objective = compile_batch(hinge(demo_model), params, X, Y, params_term=l2)
    objective.step(X, Y)
    once = grads_of(params)
    objective.step(X, Y)
    assert_close(grads_of(params), 2 * once)
    assert np.abs(once).max() > 0.01


def test_forward_touches_no_gradient(assert_close, moons, demo_model):
    X, Y = moons
    params = demo_model.parameters()
    objective = compile_batch(hinge(demo_model), params, X, Y, params_term=l2, reduction="sum")
    total = objective.forward(X, Y)
    assert all(p.grad == 0.0 for p in params)
    eager = sum((1 + -y * demo_model(x)).relu() for x, y in zip(X.tolist(), Y.tolist()))
    assert_close(total, eager.data + l2(params).data)


def test_model_scores_and_extra_outputs(assert_close, moons, demo_model):
    X, Y = moons
    params = demo_model.parameters()
    predict = trace(demo_model, params, X)
    scores = predict.forward(X)
    expected = [demo_model(x).data for x in X.tolist()]
    assert scores.shape == (len(X),)
    assert_close(scores, expected)

    def loss_and_score(x, y):
        score = demo_model(x)
        return (1 + -y * score).relu(), score

    objective = compile_batch(loss_and_score, params, X, Y)
    objective.forward(X, Y)
    assert objective.last_outputs.shape == (len(X), 2)
    assert_close(objective.last_outputs[:, 1], expected)
    assert_close(objective.last_losses, [max(0.0, 1 - y * s) for y, s in zip(Y, expected)])


def test_no_value_is_created_per_step(assert_close, moons, demo_model, monkeypatch):
    X, Y = moons
    params = demo_model.parameters()
    objective = compile_batch(hinge(demo_model), params, X, Y, params_term=l2, recheck_every=0)
    import neurograd_core.value as value_module

    created = []
    original = value_module.Value.__init__
    monkeypatch.setattr(
        value_module.Value,
        "__init__",
        lambda self, *a, **k: created.append(1) or original(self, *a, **k),
    )
    for _ in range(3):
        objective.step(X, Y)
    assert created == []


def test_the_package_docstring_example_runs(assert_close, moons, demo_model):
    import neurograd_core.replay

    doc = neurograd_core.replay.__doc__
    block = doc.split("\n\n    from neurograd_core")[1].split("\n\n* ")[0]
    code = textwrap.dedent("    from neurograd_core" + block)
    X, Y = moons
    namespace = {"model": demo_model, "X": X, "Y": Y}
    exec(code, namespace)
    params = demo_model.parameters()
    assert namespace["scores"].shape == (len(X),)
    replay_grads = grads_of(params)
    for p in params:
        p.grad = 0.0
    loss = eager_loss(demo_model, X, Y)
    loss.backward()
    assert_close(namespace["loss"], loss.data)
    assert_close(replay_grads, grads_of(params))


def test_torch_backend_takes_and_gives_tensors(assert_close, moons, demo_model):
    X, Y = moons
    params = demo_model.parameters()
    on_numpy = trace(lambda x: demo_model(x), params, X)
    on_torch = trace(lambda x: demo_model(x), params, torch.tensor(X), backend="torch")
    scores = on_torch.forward(torch.tensor(X))
    assert isinstance(scores, torch.Tensor) and scores.dtype == torch.float64
    assert on_torch.backend == "torch" and str(on_torch.device) == "cpu"
    assert_close(scores.numpy(), on_numpy.forward(X))
    assert_close(on_torch.forward(X).numpy(), on_numpy.forward(X))  # numpy input is fine too


def test_an_unknown_backend_or_a_device_for_numpy_is_refused(moons, demo_model):
    X, _ = moons
    params = demo_model.parameters()
    with pytest.raises(ValueError, match=r"backend must be one of \('numpy', 'torch'\), got 'jax'"):
        trace(lambda x: demo_model(x), params, X, backend="jax")
    with pytest.raises(ValueError, match="device='cuda' needs backend='torch'"):
        trace(lambda x: demo_model(x), params, X, device="cuda")
