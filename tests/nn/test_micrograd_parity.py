"""micrograd's own demo code, run on Neurograd's Value and neurograd_nn's MLP.

The published figures come from micrograd's README and demo notebook (step 0
total loss 0.8958441028683222 on make_moons(100, noise=0.1) after seeding with
1337; 100% accuracy by the end of the 100 steps). The real micrograd 0.1.0
package is the reference for the first steps, loss by loss and weight by weight.
"""

import random

import micrograd.engine
import micrograd.nn
import numpy as np
import pytest
from sklearn.datasets import make_moons

from neurograd_core import Value
from neurograd_nn import MLP, Layer, Neuron
from neurograd_nn.training import cyclic_gc_paused

PUBLISHED_STEP0_LOSS = 0.8958441028683222
PUBLISHED_STEP99_LOSS = 0.010978370135492717


def micrograd_demo_loss(model, X, y, value_class):
    """The loss() function of micrograd's demo.ipynb (full batch), verbatim in substance."""
    inputs = [list(map(value_class, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def micrograd_demo_step(model, X, y, k, value_class):
    total_loss, acc = micrograd_demo_loss(model, X, y, value_class)
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data, acc


def demo_setup(mlp_class):
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    return mlp_class(2, [16, 16, 1]), X, y


def test_micrograd_demo_prints_the_published_numbers():
    model, X, y = demo_setup(MLP)
    history = []
    with cyclic_gc_paused():
        for k in range(100):
            history.append(micrograd_demo_step(model, X, y, k, Value))
    assert history[0][0] == PUBLISHED_STEP0_LOSS
    assert history[0][1] == 0.5
    assert history[-1][1] == 1.0
    assert history[-1][0] == PUBLISHED_STEP99_LOSS


def test_same_initial_weights_as_micrograd():
    ours, _, _ = demo_setup(MLP)
    theirs, _, _ = demo_setup(micrograd.nn.MLP)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    # and the same number of draws: Python's random ends in the same state
    random.seed(5)
    MLP(3, [4, 2])
    after_ours = random.getstate()
    random.seed(5)
    micrograd.nn.MLP(3, [4, 2])
    assert random.getstate() == after_ours


def test_first_steps_match_the_micrograd_package():
    ours, X, y = demo_setup(MLP)
    theirs, _, _ = demo_setup(micrograd.nn.MLP)
    for k in range(3):
        loss, acc = micrograd_demo_step(ours, X, y, k, Value)
        their_loss, their_acc = micrograd_demo_step(theirs, X, y, k, micrograd.engine.Value)
        assert loss == pytest.approx(their_loss, rel=1e-12, abs=0)
        assert acc == their_acc
        ours_now = [p.data for p in ours.parameters()]
        theirs_now = [p.data for p in theirs.parameters()]
        assert ours_now == pytest.approx(theirs_now, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(
    ("build", "make_theirs"),
    [
        (lambda: MLP(2, [16, 16, 1]), lambda: micrograd.nn.MLP(2, [16, 16, 1])),
        (lambda: MLP(3, [1]), lambda: micrograd.nn.MLP(3, [1])),
        (lambda: Layer(4, 2), lambda: micrograd.nn.Layer(4, 2)),
        (lambda: Layer(2, 3, nonlin=False), lambda: micrograd.nn.Layer(2, 3, nonlin=False)),
        (lambda: Neuron(5), lambda: micrograd.nn.Neuron(5)),
        (lambda: Neuron(1, nonlin=False), lambda: micrograd.nn.Neuron(1, nonlin=False)),
    ],
)
def test_reprs_and_parameter_order_match_micrograd(build, make_theirs):
    random.seed(7)
    ours = build()
    random.seed(7)
    theirs = make_theirs()
    assert repr(ours) == repr(theirs)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]


def test_repr_reads_like_micrograds():
    model = MLP(2, [2, 1])
    assert repr(model) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    )


def test_forward_and_gradients_equal_micrograds_on_one_input():
    random.seed(3)
    ours = MLP(3, [4, 4, 1])
    random.seed(3)
    theirs = micrograd.nn.MLP(3, [4, 4, 1])
    x = [0.5, -1.25, 2.0]
    out, their_out = ours(x), theirs(x)
    out.backward()
    their_out.backward()
    assert out.data == their_out.data
    assert [p.grad for p in ours.parameters()] == [p.grad for p in theirs.parameters()]


def _graph_census(root, op_name):
    """(op, data) of every node below ``root``, counted: the graph up to node order."""
    counts, stack, seen = {}, [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        key = (op_name(node), node.data)
        counts[key] = counts.get(key, 0) + 1
        stack.extend(getattr(node, "children", None) or getattr(node, "_prev", ()))
    return counts


MICROGRAD_OPS = {"": None, "+": "add", "*": "mul", "ReLU": "relu"}


@pytest.mark.parametrize("nonlin", [True, False])
def test_neurons_layers_and_mlps_build_micrograds_graph(nonlin):
    random.seed(9)
    ours = MLP(3, [4, 4, 2]) if nonlin else Layer(3, 2, nonlin=False)
    random.seed(9)
    theirs = micrograd.nn.MLP(3, [4, 4, 2]) if nonlin else micrograd.nn.Layer(3, 2, nonlin=False)
    x = [0.5, -1.25, 2.0]
    for out, their_out in zip(
        ours([Value(v) for v in x]), theirs([micrograd.engine.Value(v) for v in x])
    ):
        census = _graph_census(out, lambda n: n.op.name if n.op else None)
        their_census = _graph_census(their_out, lambda n: MICROGRAD_OPS[n._op])
        assert census == their_census
        assert {op for op, _ in census} <= {None, "add", "mul", "relu"}
