"""Weighted sums (a neuron's ``b + w0*x0 + ...``) replay as matrix products, matching eager mode.

Layers here are wired at random: neurons of a layer may read the same inputs in
the same order (one ``W @ X``), different inputs or orders (a stack of small
products), an input twice, weights computed from parameters (``w.tanh()``) or
constants, and products that are also used elsewhere (which stay plain). A neuron
is a chain of additions or one ``dot`` node (``Linear``'s), with its weights first
in each pair or its inputs first (which is not a weighted sum to fuse).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from neurograd_core import Value
from neurograd_core import functional as F
from neurograd_core.replay import trace
from neurograd_nn import Linear

layer = st.tuples(
    st.integers(1, 4),  # neurons
    st.integers(2, 5),  # terms per neuron
    st.booleans(),  # every neuron reads the same inputs in the same order
    st.sampled_from(["param", "derived", "constant"]),  # what the weights are
    st.booleans(),  # products also used outside the sum
    st.integers(0, 2**16),  # wiring
    st.sampled_from(["additions", "dot", "dot, inputs first"]),  # how a neuron adds up
)


def build_network(layers, n_inputs, params):
    """A function of the inputs: layers of weighted sums, parameters taken in order."""

    def network(x):
        values = list(x)
        used = 0
        extra = []
        for neurons, terms, shared, weights, leak, wiring, form in layers:
            rng = np.random.default_rng(wiring)
            order = rng.integers(0, len(values), size=terms).tolist()
            outputs = []
            for n in range(neurons):
                if not shared:
                    order = rng.integers(0, len(values), size=terms).tolist()
                total = params[used % len(params)]
                used += 1
                pairs: list = []
                for j in order:
                    w = params[used % len(params)]
                    used += 1
                    w = (
                        w.tanh()
                        if weights == "derived"
                        else (0.5 + j if weights == "constant" else w)
                    )
                    if form != "additions":
                        pairs += [w, values[j]] if form == "dot" else [values[j], w]
                        continue
                    product = values[j] * w if j % 2 else w * values[j]
                    if leak and n == 0:
                        extra.append(product)
                    total = total + product
                if pairs:
                    total = F.dot(*pairs, total)
                outputs.append(total.softplus())  # its gradient is computed from x, not out
            values = outputs
        return [*values, *extra] if extra else values

    return network


@settings(max_examples=40, deadline=None)
@given(layers=st.lists(layer, min_size=1, max_size=3), seed=st.integers(0, 2**32 - 1))
def test_weighted_sums_match_eager(assert_close, layers, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(5, 3))
    params = [Value(v) for v in rng.uniform(-1, 1, size=7)]
    network = build_network(layers, 3, params)
    replay = trace(network, params, X)
    got = replay.forward(X)
    seeds = rng.uniform(-1, 1, size=got.shape)
    replay.backward(seeds)
    replay_grads = [p.grad for p in params]

    for p in params:
        p.grad = 0.0
    expected = []
    for x, row in zip(X.tolist(), seeds.reshape(len(X), -1).tolist()):
        outputs = network([Value(v) for v in x])
        expected.append([out.data for out in outputs])
        for out, s in zip(outputs, row):
            out.backward(s)
    assert_close(got.reshape(len(X), -1), expected)
    assert_close(replay_grads, [p.grad for p in params])


def test_a_layer_is_one_step(assert_close):
    """Four neurons reading the same three inputs: one step for all their products and sums."""
    params = [Value(v) for v in np.linspace(-1, 1, 16)]

    def layer(x):
        return [
            sum((params[4 * n + j] * x[j] for j in range(3)), params[4 * n + 3]) for n in range(4)
        ]

    X = np.arange(12.0).reshape(4, 3)
    replay = trace(layer, params, X)
    assert replay.n_steps == 1
    W = np.array([[params[4 * n + j].data for j in range(3)] for n in range(4)])
    b = np.array([params[4 * n + 3].data for n in range(4)])
    assert_close(replay.forward(X), X @ W.T + b)


def test_a_linear_layer_is_one_step(assert_close):
    """Linear's neurons are dot nodes: replayed, the layer is one matrix product too."""
    layer = Linear(3, 4)
    params = layer.parameters()
    X = np.arange(12.0).reshape(4, 3) / 10
    replay = trace(layer, params, X)
    assert replay.n_steps == 1
    W = np.array([[w.data for w in neuron_weights] for neuron_weights in layer.weight])
    b = np.array([v.data for v in layer.bias])
    assert_close(replay.forward(X), X @ W.T + b)
    seeds = np.linspace(-1, 1, 16).reshape(4, 4)
    replay.backward(seeds)
    replay_grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    for x, row in zip(X.tolist(), seeds.tolist()):
        for out, s in zip(layer([Value(v) for v in x]), row):
            out.backward(s)
    assert_close(replay_grads, [p.grad for p in params])
