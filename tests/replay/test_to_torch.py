"""``Replay.to_torch()``: the traced graph as a torch module that torch's autograd runs.

Its gradients are checked against Neurograd's replay (whose own gradients are
checked against eager mode and PyTorch elsewhere), in float64, within 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neurograd_core import Op, Value, registry
from neurograd_core.replay import trace, trace_graph
from neurograd_nn.losses import l2_penalty

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def demo_loss_and_score(model):
    def loss_and_score(x, y):
        score = model(x)
        return (1 + -y * score).relu(), score

    return loss_and_score


def torch_gradients(module, inputs, seeds):
    """d(sum of seeds * outputs)/d(parameters), by torch.autograd."""
    out = module(*inputs)
    (out * seeds).sum().backward()
    return out


@pytest.mark.parametrize("device", DEVICES)
def test_demo_model_gradients_equal_replay(assert_close, moons, demo_model, device):
    X, Y = moons
    params = demo_model.parameters()
    replay = trace(demo_loss_and_score(demo_model), params, X, Y)
    module = replay.to_torch().to(device)
    assert isinstance(module, torch.nn.Module)
    assert_close(module.params.detach().cpu().numpy(), [p.data for p in params], rel=0.0)

    seeds = np.random.default_rng(0).uniform(-1, 1, size=(len(X), 2))
    inputs = [torch.tensor(a, device=device) for a in (X, Y)]
    out = torch_gradients(module, inputs, torch.tensor(seeds, device=device))
    assert out.shape == (len(X), 2) and out.dtype == torch.float64
    assert_close(out.detach().cpu().numpy(), replay.forward(X, Y))
    expected = replay.gradients(seeds)
    assert_close(module.params.grad.cpu().numpy(), expected)
    assert np.abs(expected).max() > 0.1  # the comparison is not between zeros


def test_a_third_party_op_is_run_from_its_own_definition(assert_close):
    """A plugin's op, unknown to Neurograd's core and to torch: log(e**a + e**b)."""

    def logaddexp(xp, a, b):
        return xp.maximum(a, b) + xp.log1p(xp.exp(-xp.abs(a - b)))

    def logaddexp_backward(xp, grad, out, a, b):
        share = 1 / (1 + xp.exp(b - a))
        return grad * share, grad * (1 - share)

    with registry.isolated():
        registry.register(Op("logaddexp", logaddexp, logaddexp_backward), provider="third_party")
        w = [Value(0.7), Value(-1.3), Value(0.2)]
        X = np.random.default_rng(1).uniform(-2, 2, size=(9, 2))
        replay = trace(lambda x: (x[0] * w[0]).logaddexp(x[1] * w[1] + w[2]).tanh(), w, X)
        module = replay.to_torch()
        seeds = np.random.default_rng(2).uniform(-1, 1, size=len(X))
        out = torch_gradients(module, [torch.tensor(X)], torch.tensor(seeds))
        assert_close(out.detach().numpy(), replay.forward(X))
        assert_close(module.params.grad.numpy(), replay.gradients(seeds))


def test_branches_that_overflow_give_the_ops_own_gradient(assert_close):
    """sigmoid and softplus pick a branch with xp.where; the other branch overflows at
    |x| = 800, so differentiating the forward would give NaN (0 * inf)."""
    w = Value(1.0)
    X = np.array([800.0, 1.0, -800.0])
    replay = trace(lambda x: (w * x).sigmoid() + (x * w).softplus(), [w], X)
    module = replay.to_torch()
    out = torch_gradients(module, [torch.tensor(X)], torch.ones(3, dtype=torch.float64))
    assert_close(out.detach().numpy(), replay.forward(X))
    expected = replay.gradients()
    assert np.isfinite(expected).all()
    assert_close(module.params.grad.numpy(), expected)


def test_captured_values_and_parameter_only_outputs(assert_close):
    """A captured Value is a parameter of the module too; an output of parameters alone
    (an L2 term) has the same value for every example."""
    w, scale = Value(0.5), Value(-1.5)
    X = np.linspace(-1, 1, 5)
    replay = trace(lambda x: [(x * w).tanh() * scale, l2_penalty([w, scale], 0.1)], [w], X)
    assert replay.captured == [scale]
    module = replay.to_torch()
    assert_close(module.captured.detach().numpy(), [-1.5], rel=0.0)
    seeds = np.random.default_rng(3).uniform(-1, 1, size=(5, 2))
    out = torch_gradients(module, [torch.tensor(X)], torch.tensor(seeds))
    assert_close(out.detach().numpy(), replay.forward(X))
    w.grad = scale.grad = 0.0
    replay.backward(seeds)
    assert_close(module.params.grad.numpy(), [w.grad])
    assert_close(module.captured.grad.numpy(), [scale.grad])


def test_a_whole_batch_graph_and_its_constants(assert_close):
    x = [Value(v) for v in (0.5, -1.0, 2.0)]
    w = Value(0.3)
    loss = sum(((xi * w) + 1.0).relu() for xi in x) * (1.0 / 3)
    replay = trace_graph(loss, [x], [w])
    module = replay.to_torch()
    inputs = torch.tensor([[0.1, 0.2, -0.3], [1.0, -2.0, 3.0]])
    out = torch_gradients(module, [inputs], torch.ones(2, dtype=torch.float64))
    assert_close(out.detach().numpy(), replay.forward(inputs.numpy()))
    assert_close(module.params.grad.numpy(), replay.gradients())


def test_trains_with_a_torch_optimizer(assert_close, moons, demo_model):
    """The way out: torch's own training loop on the module, as for any torch model."""
    X, Y = moons
    replay = trace(lambda x, y: (1 + -y * demo_model(x)).relu(), demo_model.parameters(), X, Y)
    module = replay.to_torch()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1, momentum=0.9)
    inputs = torch.tensor(X), torch.tensor(Y)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = module(*inputs).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert module.state_dict().keys() == {"params", "captured"}


def test_torch_compile_on_cpu(assert_close, moons, demo_model):
    """torch.compile with its default backend (inductor; compiles C++ with the C compiler)."""
    X, Y = moons
    params = demo_model.parameters()
    replay = trace(lambda x, y: (1 + -y * demo_model(x)).relu(), params, X, Y)
    module = replay.to_torch()
    compiled = torch.compile(module)
    out = compiled(torch.tensor(X), torch.tensor(Y))
    out.sum().backward()
    assert_close(out.detach().numpy(), replay.forward(X, Y))
    assert_close(module.params.grad.numpy(), replay.gradients())


def test_wrong_number_of_inputs(moons, demo_model):
    X, Y = moons
    module = trace(lambda x, y: demo_model(x) * y, demo_model.parameters(), X, Y).to_torch()
    with pytest.raises(TypeError, match="expected 2 input tensors, got 1"):
        module(torch.tensor(X))
