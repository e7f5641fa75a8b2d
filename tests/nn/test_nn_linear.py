"""``Linear``: PyTorch's layer, one ``dot`` node per output, checked against torch.nn.Linear."""

from __future__ import annotations

import math
import random

import pytest
import torch

from neurograd_core import Value
from neurograd_nn import MLP, Linear


def _torch_copy(layer: Linear) -> torch.nn.Linear:
    twin = torch.nn.Linear(
        layer.in_features, layer.out_features, bias=layer.bias is not None, dtype=torch.float64
    )
    with torch.no_grad():
        twin.weight.copy_(
            torch.tensor([[w.data for w in row] for row in layer.weight], dtype=torch.float64)
        )
        if layer.bias is not None:
            twin.bias.copy_(torch.tensor([b.data for b in layer.bias], dtype=torch.float64))
    return twin


@pytest.mark.parametrize("bias", [True, False])
def test_values_and_gradients_match_torch_linear(bias):
    random.seed(4)
    layer = Linear(5, 3, bias=bias)
    twin = _torch_copy(layer)
    point = [0.5, -1.25, 2.0, 0.0, -3.5]
    upstream = [1.0, -0.5, 2.25]
    x = [Value(v) for v in point]
    out = layer(x)
    for y, g in zip(out, upstream):
        y.backward(g)
    tx = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    t_out = twin(tx)
    t_out.backward(torch.tensor(upstream, dtype=torch.float64))
    assert [y.data for y in out] == pytest.approx(t_out.tolist(), rel=1e-14)
    assert [v.grad for v in x] == pytest.approx(tx.grad.tolist(), rel=1e-14)
    weight_grads = [[w.grad for w in row] for row in layer.weight]
    assert weight_grads == [pytest.approx(row, rel=1e-14) for row in twin.weight.grad.tolist()]
    if bias:
        assert [b.grad for b in layer.bias] == pytest.approx(twin.bias.grad.tolist())


def test_each_output_is_one_dot_node():
    random.seed(0)
    layer = Linear(3, 2)
    x = [Value(1.0), Value(2.0), Value(3.0)]
    for row, b, y in zip(layer.weight, layer.bias, layer(x)):
        assert y.op.name == "dot"
        assert y.children == (row[0], x[0], row[1], x[1], row[2], x[2], b)
    plain = layer([1.0, 2.0, 3.0])  # numbers become constant leaves
    assert [y.data for y in plain] == [y.data for y in layer(x)]


def test_initialisation_is_pytorchs_uniform_bound_and_weights_come_first():
    random.seed(11)
    layer = Linear(16, 4)
    bound = 1 / math.sqrt(16)
    values = [p.data for p in layer.parameters()]
    assert len(values) == 16 * 4 + 4 and all(-bound <= v <= bound for v in values)
    random.seed(11)
    drawn = [random.uniform(-bound, bound) for _ in range(16 * 4 + 4)]
    assert values == drawn
    names = [name for name, _ in layer.named_parameters()]
    assert names[0] == "weight.0.0" and names[-1] == "bias.3"
    state = layer.state_dict()
    assert len(state["weight"]) == 4 and len(state["weight"][0]) == 16 and len(state["bias"]) == 4
    assert repr(layer) == "Linear(in_features=16, out_features=4, bias=True)"
    assert [name for name, _ in Linear(2, 1, bias=False).named_parameters()] == [
        "weight.0.0",
        "weight.0.1",
    ]


def test_bad_sizes_and_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="in_features must be at least 1"):
        Linear(0, 2)
    with pytest.raises(TypeError, match="out_features must be an int"):
        Linear(2, 1.5)
    with pytest.raises(ValueError, match="Linear expects 2 inputs, got 3"):
        Linear(2, 1)([1.0, 2.0, 3.0])


def test_mlp_takes_its_activation_positionally_too():
    random.seed(2)
    positional = MLP(2, [3, 1], "tanh")
    random.seed(2)
    keyword = MLP(2, [3, 1], activation="tanh")
    assert repr(positional) == repr(keyword) and "TanhNeuron" in repr(positional)
    assert positional([0.5, -1.0]).data == keyword([0.5, -1.0]).data
