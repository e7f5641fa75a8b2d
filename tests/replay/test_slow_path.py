"""An op without numpy forms still replays correctly, element by element, and is named."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurograd_core import Op, Value, registry
from neurograd_core.replay import ReplayWarning, trace


def _cube_backward(grad, out, x, *, scale=1.0):
    return (grad * 3.0 * scale * x * x,)


def _hypot_backward(grad, out, a, b):
    return (grad * a / out, grad * b / out)


@pytest.fixture
def plugin_ops():
    with registry.isolated():
        registry.register(Op("cube", lambda x, *, scale=1.0: scale * x**3, _cube_backward))
        registry.register(
            Op(
                "hypot",
                math.hypot,
                _hypot_backward,
                arity=2,
                vectorized_forward=np.hypot,  # a forward only: the backward takes the slow path
            )
        )
        yield


def test_slow_ops_are_named_and_replay_matches_eager(plugin_ops, assert_close):
    w = Value(0.7)

    def fn(x):
        return (x.cube(scale=0.5) * w).hypot(x + w)

    X = np.array([-1.5, 0.2, 1.0, 2.5])
    with pytest.warns(ReplayWarning, match="cube, hypot"):
        replay = trace(fn, [w], X)
    assert replay.slow_ops == ("cube", "hypot")
    got = replay.forward(X)
    replay.backward()
    replay_grad = w.grad

    w.grad = 0.0
    expected = []
    for x in X.tolist():
        out = fn(Value(x))
        out.backward()
        expected.append(out.data)
    assert_close(got, expected)
    assert_close(replay_grad, w.grad)
    assert w.grad != 0.0


def test_vectorized_ops_take_no_slow_path(recwarn):
    replay = trace(lambda x: (x * 2.0).tanh().exp(), [], np.array([1.0, 2.0]))
    assert replay.slow_ops == ()
    assert not [w for w in recwarn if issubclass(w.category, ReplayWarning)]
