"""The plugin as a user meets it: methods on Value, loaded through the entry point."""

import math

import pytest

from neurograd_core import Value


def test_value_gains_trig_methods(neurograd_registry):
    x = Value(0.5)
    y = x.sin() * x.cos()  # = sin(2x) / 2
    y.backward()
    assert y.data == pytest.approx(math.sin(1.0) / 2)
    assert x.grad == pytest.approx(math.cos(1.0))


def test_atan2_of_a_point_on_the_unit_circle(neurograd_registry):
    y, x = Value(math.sin(2.0)), Value(math.cos(2.0))
    angle = y.atan2(x)
    angle.backward()
    assert angle.data == pytest.approx(2.0)
    assert (y.grad, x.grad) == pytest.approx((math.cos(2.0), -math.sin(2.0)))


def test_neurograd_lists_the_plugin():
    from neurograd_core.plugins import plugin_infos

    found = {info.distribution: info for info in plugin_infos()}
    assert "neurograd-trig" in found, "the plugin is not installed: pip install -e ."
    trig = found["neurograd-trig"]
    assert trig.loaded, trig.error
    assert trig.ops == ["sin", "cos", "atan", "atan2"]


def test_replayed_on_numpy_and_torch_from_the_same_definition(neurograd_registry):
    import numpy as np
    import torch

    from neurograd_core.replay import trace

    w = Value(0.5)
    xs = np.linspace(-3.0, 3.0, 7)
    for backend in ("numpy", "torch"):
        replay = trace(lambda x: (w * x).sin(), [w], xs, backend=backend)
        out = np.asarray(replay.forward(xs))
        assert np.allclose(out, np.sin(0.5 * xs), rtol=1e-14)
    torch_out = replay.forward(torch.tensor(xs))
    assert isinstance(torch_out, torch.Tensor)


def test_second_derivative_of_sin_is_minus_sin(neurograd_registry):
    import neurograd_trig

    from neurograd_core.namespaces.values import NAMESPACE as xp

    x = Value(0.7)
    y = x.sin()
    (slope,) = neurograd_trig.sin_backward(xp, Value(1.0), y, x)  # cos(x), as a graph
    slope.backward()
    assert slope.data == pytest.approx(math.cos(0.7))
    assert x.grad == pytest.approx(-math.sin(0.7))
