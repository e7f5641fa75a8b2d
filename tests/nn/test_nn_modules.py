"""Module's parameter discovery, reprs, activations and input checks of Neuron, Layer and MLP."""

import math
import random

import pytest
import torch

from neurograd_core import Value
from neurograd_nn import MLP, Layer, Module, Neuron


class Affine(Module):
    def __init__(self):
        self.scale = Value(2.0)
        self.shift = [Value(0.5), Value(-0.5)]
        self.name = "not a parameter"
        self.count = 3

    def __call__(self, x):
        return self.scale * x + self.shift[0] + self.shift[1]


class Net(Module):
    def __init__(self):
        self.first = Affine()
        self.blocks = [Neuron(2), Neuron(2, nonlin=False)]
        self.by_name = {"gain": Value(1.5)}
        self.matrix = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
        self._cache = Value(99.0)  # private: not a parameter
        self.shared = self.first.scale  # the same Value twice is one parameter


def test_parameters_are_found_in_attributes_without_a_parameters_method():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == [
        "first.scale",
        "first.shift.0",
        "first.shift.1",
        "blocks.0.w.0",
        "blocks.0.w.1",
        "blocks.0.b",
        "blocks.1.w.0",
        "blocks.1.w.1",
        "blocks.1.b",
        "by_name.gain",
        "matrix.0.0",
        "matrix.0.1",
        "matrix.1.0",
        "matrix.1.1",
    ]
    assert net.parameters()[0] is net.first.scale
    assert all(p is not net._cache for p in net.parameters())


def test_state_dict_keys_are_entries_with_shapes():
    net = Net()
    state = net.state_dict()
    assert list(state) == [
        "first.scale",
        "first.shift",
        "blocks.0.w",
        "blocks.0.b",
        "blocks.1.w",
        "blocks.1.b",
        "by_name.gain",
        "matrix",
        "shared",
    ]
    assert state["matrix"] == [[1.0, 2.0], [3.0, 4.0]]
    assert state["first.shift"] == [0.5, -0.5]


def test_zero_grad_clears_every_parameter():
    net = Net()
    loss = sum(p * p for p in net.parameters())
    loss.backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0 for p in net.parameters())


def test_named_children_are_the_direct_sub_modules():
    net = Net()
    assert [(name, child) for name, child in net.named_children()] == [
        ("first", net.first),
        ("blocks.0", net.blocks[0]),
        ("blocks.1", net.blocks[1]),
    ]


def test_nested_repr_of_a_user_module():
    assert repr(Net()) == (
        "Net(\n  (first): Affine()\n  (blocks.0): ReLUNeuron(2)\n  (blocks.1): LinearNeuron(2)\n)"
    )

    class Outer(Module):
        def __init__(self):
            self.inner = Net()

    assert repr(Outer()).splitlines()[:3] == ["Outer(", "  (inner): Net(", "    (first): Affine()"]


def test_micrograd_bias_and_weight_ranges():
    random.seed(0)
    neuron = Neuron(50)
    assert neuron.b.data == 0.0
    assert all(-1 <= w.data <= 1 for w in neuron.w)
    assert len(neuron.parameters()) == 51


@pytest.mark.parametrize(
    ("activation", "expected", "title"),
    [
        ("relu", lambda z: max(z, 0.0), "ReLUNeuron(2)"),
        ("tanh", math.tanh, "TanhNeuron(2)"),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z)), "SigmoidNeuron(2)"),
        ("linear", lambda z: z, "LinearNeuron(2)"),
        ("leaky_relu", lambda z: z if z > 0 else 0.01 * z, "LeakyReluNeuron(2)"),
        ("silu", lambda z: z / (1 + math.exp(-z)), "SiluNeuron(2)"),
    ],
)
def test_activation_can_be_chosen(activation, expected, title):
    neuron = Neuron(2, activation=activation)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.75, -1.5, 0.25
    for x in ([1.0, 2.0], [2.0, -1.0]):
        z = 0.25 + 0.75 * x[0] - 1.5 * x[1]
        assert neuron(x).data == pytest.approx(expected(z), rel=1e-15)
    assert repr(neuron) == title


def test_mlp_activation_applies_to_hidden_layers_only():
    model = MLP(2, [3, 1], activation="tanh")
    assert (
        repr(model) == "MLP of [Layer of [TanhNeuron(2), TanhNeuron(2), TanhNeuron(2)], "
        "Layer of [LinearNeuron(3)]]"
    )


def test_unknown_activation_is_a_value_error_and_draws_nothing():
    random.seed(1)
    state = random.getstate()
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu"):
        MLP(2, [3, 1], activation="swish")
    with pytest.raises(ValueError, match="unknown activation 'pow'"):
        Neuron(2, activation="pow")  # needs an exponent: not an activation
    with pytest.raises(TypeError, match="activation must be an op name"):
        Neuron(2, activation=math.tanh)
    assert random.getstate() == state


def test_gradients_of_an_mlp_match_torch():
    random.seed(11)
    model = MLP(3, [4, 4, 1], activation="tanh")
    x = [0.3, -0.7, 1.1]
    out = model(x)
    out.backward()
    weights = [
        torch.tensor(
            [[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True
        )
        for layer in model.layers
    ]
    biases = [
        torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in model.layers
    ]
    h = torch.tensor(x, dtype=torch.float64)
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = w @ h + b
        if i < len(weights) - 1:
            h = torch.tanh(h)
    h.sum().backward()
    assert out.data == pytest.approx(h.item(), rel=1e-12)
    for layer, w, b in zip(model.layers, weights, biases):
        for i, neuron in enumerate(layer.neurons):
            assert [p.grad for p in neuron.w] == pytest.approx(w.grad[i].tolist(), rel=1e-10)
            assert neuron.b.grad == pytest.approx(b.grad[i].item(), rel=1e-10)


@pytest.mark.parametrize(
    ("module", "name"),
    [(Neuron(3), "Neuron"), (Layer(3, 2), "Layer"), (MLP(3, [2, 1]), "MLP")],
)
@pytest.mark.parametrize("length", [2, 4])
def test_wrong_input_length_names_expected_and_given(module, name, length):
    with pytest.raises(ValueError, match=f"^{name} expects 3 inputs, got {length}$"):
        module([1.0] * length)


def test_input_that_is_not_a_sequence_is_a_type_error():
    with pytest.raises(TypeError, match="MLP expects a sequence of 2 inputs, got generator"):
        MLP(2, [1])(x for x in [1.0, 2.0])  # each neuron reads the inputs: one pass is not enough
    with pytest.raises(ValueError, match="expects 2 inputs, got 1"):
        MLP(2, [1])(3.0)


def test_one_input_may_be_a_bare_number_and_a_one_wide_layer_feeds_the_next():
    model = MLP(1, [1, 1, 1])
    assert isinstance(model(0.5), Value)
    assert isinstance(model(Value(0.5)), Value)


def test_layer_returns_a_value_for_one_neuron_and_a_list_otherwise():
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    outputs = Layer(2, 3)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 3


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: MLP(2, []), TypeError, "nouts must be a non-empty list"),
        (lambda: MLP(2, 16), TypeError, "nouts must be a non-empty list"),
        (lambda: MLP(2, [16, 0]), ValueError, "each layer size in nouts must be at least 1"),
        (lambda: MLP("2", [1]), TypeError, "nin must be an int"),
        (lambda: Neuron(0), ValueError, "nin must be at least 1, got 0"),
        (lambda: Neuron(2.5), TypeError, "nin must be an int"),
        (lambda: Layer(2, -1), ValueError, "nout must be at least 1"),
        (lambda: Layer(2, 2, bias=False), TypeError, "unexpected keyword argument 'bias'"),
    ],
)
def test_bad_sizes_are_clear_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


def _walked(module):
    """parameters() as named_parameters() finds them, walking the tree from scratch."""
    return [p for _, p in module.named_parameters()]


def test_parameters_stay_right_when_the_tree_changes_after_construction():
    random.seed(0)
    model = MLP(2, [3, 1])
    first = model.parameters()
    assert first == _walked(model) and len(first) == 13

    model.head = Neuron(1)  # a sub-module added
    assert model.parameters() == _walked(model) and len(model.parameters()) == 15
    model.layers[0] = Layer(2, 3)  # one replaced inside a list
    assert model.parameters() == _walked(model)
    assert not set(map(id, model.parameters())) & set(map(id, first[:9]))
    extra = Value(1.5)
    model.layers[1].neurons[0].w.append(extra)  # a parameter added to a list in place
    assert model.parameters()[-4] is extra and model.parameters() == _walked(model)
    model.layers[1].neurons[0].b = Value(0.0)  # a parameter replaced
    assert model.parameters() == _walked(model)
    del model.head  # a sub-module removed
    assert model.parameters() == _walked(model) and len(model.parameters()) == 14
    model.layers.pop()  # a layer removed from its list
    assert model.parameters() == _walked(model) and len(model.parameters()) == 9
    model.extras = {"scale": Value(2.0), "_hidden": Value(3.0)}  # a dict entry
    model.extras["shift"] = Value(4.0)
    assert [p.data for p in model.parameters()[-2:]] == [2.0, 4.0]
    assert model.parameters() == _walked(model)

    for p in model.parameters():
        p.grad = 1.0
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_parameters_are_not_looked_for_again_while_nothing_changes(monkeypatch):
    import neurograd_nn.module as module_file

    random.seed(0)
    model = MLP(2, [16, 16, 1])
    model.parameters()
    walks = []
    original = module_file._ParameterCache.refill
    monkeypatch.setattr(
        module_file._ParameterCache, "refill", lambda *args: walks.append(1) or original(*args)
    )
    for _ in range(5):
        model.parameters()
        model.zero_grad()
    assert walks == []
    model.layers[2].neurons[0].w[0] = Value(0.0)
    model.parameters()
    assert walks == [1]


def test_a_copied_module_finds_its_own_parameters():
    import copy

    random.seed(0)
    model = MLP(2, [2, 1])
    model.parameters()
    shallow, deep = copy.copy(model), copy.deepcopy(model)
    shallow.layers = [Layer(2, 1)]  # the copy's own attribute; the cache object is shared
    assert shallow.parameters() == _walked(shallow) and len(shallow.parameters()) == 3
    assert model.parameters() == _walked(model) and len(model.parameters()) == 9
    assert not set(map(id, deep.parameters())) & set(map(id, model.parameters()))
