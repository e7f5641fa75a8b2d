"""Training with a gradient penalty, loss + λ·‖∇ₓ f(x)‖², follows PyTorch step for step.

The penalty differentiates the model's input gradient with respect to the
parameters: a gradient of a gradient, through grad(..., create_graph=True).
"""

from __future__ import annotations

import random

import numpy as np
import torch

from neurograd_core import Value, grad
from neurograd_nn import MLP, SGD
from neurograd_nn.datasets import make_moons

PENALTY, ALPHA, LR, STEPS, POINTS = 0.1, 1e-4, 0.05, 10, 24


def penalised_loss(model, X, Y):
    hinge, penalty = 0.0, 0.0
    for x, y in zip(X.tolist(), Y.tolist()):
        inputs = [Value(v) for v in x]
        score = model(inputs)
        slopes = grad(score, inputs, create_graph=True)
        penalty = penalty + sum(g * g for g in slopes)
        hinge = hinge + (1 + -y * score).relu()
    l2 = sum(p * p for p in model.parameters())
    n = len(X)
    return hinge * (1.0 / n) + ALPHA * l2 + PENALTY * penalty * (1.0 / n)


def torch_penalised_loss(net, X, Y):
    x = torch.tensor(X, requires_grad=True)
    scores = net(x)[:, 0]
    (slopes,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    hinge = torch.relu(1 - torch.tensor(Y) * scores).mean()
    l2 = sum((p * p).sum() for p in net.parameters())
    return hinge + ALPHA * l2 + PENALTY * (slopes * slopes).sum(dim=1).mean()


def test_parameters_match_pytorch_after_ten_steps():
    random.seed(7)
    X, y = make_moons(POINTS, noise=0.1, random_state=7)
    Y = 2.0 * y - 1.0
    model = MLP(2, [16, 16, 1])
    net = model.to_torch()
    optimizer = SGD(model.parameters(), lr=LR)
    reference = torch.optim.SGD(net.parameters(), lr=LR)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = penalised_loss(model, X, Y)
        loss.backward()
        optimizer.step()
        reference.zero_grad()
        torch_loss = torch_penalised_loss(net, X, Y)
        torch_loss.backward()
        reference.step()
        losses.append((loss.data, torch_loss.item()))
    ours = np.array([p.data for p in model.parameters()])
    theirs = np.array([p.data for p in MLP.from_torch(net).parameters()])
    assert np.allclose([a for a, _ in losses], [b for _, b in losses], rtol=1e-9, atol=0)
    # 1e-9 relative; a bias that is still near its initial 0 is compared at the scale 1e-3
    assert np.all(np.abs(ours - theirs) <= 1e-9 * np.maximum(np.abs(theirs), 1e-3))
    assert losses[-1][0] < losses[0][0]  # it trained
    assert np.abs(ours - theirs).max() < np.abs(ours).max()  # and compared real numbers
