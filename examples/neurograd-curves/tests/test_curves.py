"""The plugin as a user meets it: methods on Value, loaded through the entry point."""

import math

import pytest

from neurograd_core import Value


def test_value_gains_the_plugins_methods(neurograd_registry):
    x = Value(0.5)
    y = x.gaussian() * x.bent_identity()
    y.backward()
    g, b = math.exp(-0.25), (math.sqrt(1.25) - 1) / 2 + 0.5
    assert y.data == pytest.approx(g * b)
    slope_g, slope_b = -2 * 0.5 * g, 0.5 / (2 * math.sqrt(1.25)) + 1
    assert x.grad == pytest.approx(slope_g * b + g * slope_b)


def test_logaddexp_is_stable_and_splits_its_gradient_as_softmax(neurograd_registry):
    a, b = Value(1000.0), Value(999.0)
    out = a.logaddexp(b)
    out.backward()
    assert out.data == pytest.approx(1000.0 + math.log1p(math.exp(-1.0)))
    assert (a.grad, b.grad) == pytest.approx((1 / (1 + math.exp(-1.0)), 1 / (1 + math.e)))
    assert Value(-math.inf).logaddexp(Value(-math.inf)).data == -math.inf


def test_neurograd_lists_the_plugin():
    from neurograd_core.plugins import plugin_infos

    found = {info.distribution: info for info in plugin_infos()}
    assert "neurograd-curves" in found, "the plugin is not installed: pip install -e ."
    curves = found["neurograd-curves"]
    assert curves.loaded, curves.error
    assert curves.ops == ["bent_identity", "gaussian", "logaddexp"]


def test_replayed_on_numpy_and_torch_from_the_same_definition(neurograd_registry):
    import numpy as np
    import torch

    from neurograd_core.replay import trace

    w = Value(0.5)
    xs = np.linspace(-3.0, 3.0, 7)
    for backend in ("numpy", "torch"):
        replay = trace(lambda x: (w * x).gaussian(), [w], xs, backend=backend)
        out = np.asarray(replay.forward(xs))
        assert np.allclose(out, np.exp(-((0.5 * xs) ** 2)), rtol=1e-14)
    torch_out = replay.forward(torch.tensor(xs))
    assert isinstance(torch_out, torch.Tensor)


def test_second_derivative_of_the_gaussian(neurograd_registry):
    import neurograd_curves

    from neurograd_core.namespaces.values import NAMESPACE as xp

    x = Value(0.7)
    y = x.gaussian()
    (slope,) = neurograd_curves.gaussian_backward(xp, Value(1.0), y, x)  # a graph
    slope.backward()
    assert slope.data == pytest.approx(-2 * 0.7 * math.exp(-0.49))
    assert x.grad == pytest.approx((4 * 0.49 - 2) * math.exp(-0.49))
