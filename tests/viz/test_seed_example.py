"""The seed's example, verbatim: draw_dot of a Neuron(2) from neurograd_nn."""

from __future__ import annotations

from collections import Counter

import graphviz

from neurograd_core import Value
from neurograd_nn import Neuron
from neurograd_viz import draw_dot


def test_the_seed_example_draws_a_neuron(render_svg):
    n = Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    dot = draw_dot(y)

    assert isinstance(dot, graphviz.Digraph)
    shown = render_svg(dot)
    records = [texts for texts in shown.texts.values() if len(texts) > 1]
    datas = Counter(texts[0] for texts in records)
    w1, w2 = (w.data for w in n.w)
    # inputs, weights, bias, two products, two sums, the activation: ten Values
    for value in (1.0, -2.0, w1, w2, n.b.data, w1 * 1.0, w2 * -2.0, max(0.0, w1 - 2 * w2)):
        assert datas[f"data {value:.4f}"] >= 1, value
    assert len(records) == 10
    assert all(texts[1] == "grad 0.0000" for texts in records)  # no backward() yet
    assert Counter(t[0] for t in shown.texts.values() if len(t) == 1) == {"*": 2, "+": 2, "ReLU": 1}


def test_after_backward_the_neuron_shows_its_gradients(render_svg):
    n = Neuron(2)
    n.w[0].data, n.w[1].data = 0.5, -0.25  # pre-activation 0.5*1 + -0.25*-2 = 1 > 0
    n.w[0].label, n.w[1].label = "w1", "w2"
    y = n([Value(1.0), Value(-2.0)])
    y.backward()
    shown = render_svg(draw_dot(y))
    # relu passes 1 through; d/dw_i = x_i
    assert shown.texts[shown.only_node_showing("w1")] == ["w1", "data 0.5000", "grad 1.0000"]
    assert shown.texts[shown.only_node_showing("w2")] == ["w2", "data -0.2500", "grad -2.0000"]
    assert ["data 1.0000", "grad 1.0000"] in shown.texts.values()  # the output
