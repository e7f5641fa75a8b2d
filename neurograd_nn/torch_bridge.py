"""An ``MLP`` to and from an equivalent ``torch.nn.Sequential``: the way out to PyTorch.

Each ``Layer`` becomes a float64 ``torch.nn.Linear`` (row i of its weight is
neuron i's ``w``) followed by the layer's activation module, if any. torch is
imported inside the functions; nothing else in Neurograd needs it.
"""

from __future__ import annotations

import random
from typing import Any

from neurograd_nn.layers import LINEAR, MLP, Layer

# Activations that have a torch.nn module with the same maths and defaults.
TORCH_ACTIVATIONS = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
    "silu": "SiLU",
}


def _layer_activation(layer: Layer) -> str:
    names = {n.activation for n in layer.neurons}
    if len(names) != 1:
        raise ValueError(f"cannot export a layer whose neurons mix activations {sorted(names)}")
    return names.pop()


def to_torch(model: MLP) -> Any:
    """A float64 ``torch.nn.Sequential`` computing the same function as ``model``."""
    import torch

    if not isinstance(model, MLP):
        raise TypeError(f"to_torch expects an MLP, got {type(model).__name__}")
    modules = []
    for layer in model.layers:
        activation = _layer_activation(layer)
        if activation != LINEAR and activation not in TORCH_ACTIVATIONS:
            raise ValueError(f"activation {activation!r} has no torch.nn equivalent to export to")
        linear = torch.nn.Linear(len(layer.neurons[0].w), len(layer.neurons), dtype=torch.float64)
        weights = [[w.data for w in n.w] for n in layer.neurons]
        with torch.no_grad():  # float64 throughout: torch.tensor alone would round to float32
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if activation != LINEAR:
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)


def _read_layers(sequential: Any) -> list[tuple[Any, str]]:
    """(Linear, activation name) pairs, or a ValueError naming the first misfit module."""
    import torch

    by_class = {getattr(torch.nn, cls): name for name, cls in TORCH_ACTIVATIONS.items()}
    pairs: list[tuple[Any, str]] = []
    for index, module in enumerate(sequential):
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"module {index} is a Linear without bias; neurons have a bias")
            pairs.append((module, LINEAR))
        elif type(module) in by_class and pairs and pairs[-1][1] == LINEAR:
            if isinstance(module, torch.nn.LeakyReLU) and module.negative_slope != 0.01:
                raise ValueError(
                    f"module {index}: only LeakyReLU's default slope 0.01 is supported"
                )
            pairs[-1] = (pairs[-1][0], by_class[type(module)])
        else:
            raise ValueError(
                f"module {index} ({type(module).__name__}) does not fit an MLP: expected "
                "Linear layers, each optionally followed by one of "
                + ", ".join(TORCH_ACTIVATIONS.values())
            )
    return pairs


def from_torch(sequential: Any) -> MLP:
    """An ``MLP`` with ``sequential``'s weights; Python's ``random`` state is left untouched."""
    import torch

    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"from_torch expects a torch.nn.Sequential, got {type(sequential).__name__}"
        )
    pairs = _read_layers(sequential)
    if not pairs:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    hidden = {activation for _, activation in pairs[:-1]}
    if len(hidden) > 1 or LINEAR in hidden or pairs[-1][1] != LINEAR:
        raise ValueError(
            "from_torch: an MLP has one activation after every Linear but the last, "
            f"got {[activation for _, activation in pairs]}"
        )
    for (before, _), (after, _) in zip(pairs, pairs[1:]):
        if before.out_features != after.in_features:
            raise ValueError(
                f"from_torch: a Linear with {before.out_features} outputs feeds "
                f"one with {after.in_features} inputs"
            )
    saved = random.getstate()
    try:
        model = MLP(
            pairs[0][0].in_features,
            [linear.out_features for linear, _ in pairs],
            activation=hidden.pop() if hidden else "relu",
        )
    finally:
        random.setstate(saved)
    for layer, (linear, _) in zip(model.layers, pairs):
        weights = linear.weight.detach().to(torch.float64).tolist()
        biases = linear.bias.detach().to(torch.float64).tolist()
        for neuron, row, bias in zip(layer.neurons, weights, biases):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = bias
    return model
