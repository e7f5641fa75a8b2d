"""Bad inputs to tracing and replay get clear errors of the type a Python user expects."""

from __future__ import annotations

import numpy as np
import pytest

from neurograd_core import Value
from neurograd_core.replay import compile_batch, trace, trace_graph


@pytest.fixture
def replay():
    w = Value(0.5)
    return trace(lambda x, y: (x[0] * w + x[1] - y) ** 2, [w], np.ones((3, 2)), np.ones(3))


def test_wrong_per_example_shape(replay):
    with pytest.raises(ValueError, match=r"input 0 has shape \(4, 3\); the trace expects"):
        replay.forward(np.ones((4, 3)), np.ones(4))
    with pytest.raises(ValueError, match=r"input 1 has shape \(4, 1\)"):
        replay.forward(np.ones((4, 2)), np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"input 0 has shape \(\)"):
        replay.forward(np.float64(1.0), np.ones(4))


def test_different_batch_sizes(replay):
    with pytest.raises(ValueError, match="input 1 has 5 examples, input 0 has 4"):
        replay.forward(np.ones((4, 2)), np.ones(5))


def test_empty_batch(replay):
    with pytest.raises(ValueError, match="empty"):
        replay.forward(np.ones((0, 2)), np.ones(0))


def test_wrong_number_of_arrays(replay):
    with pytest.raises(TypeError, match="expected 2 input arrays"):
        replay.forward(np.ones((4, 2)))


def test_not_numbers(replay):
    with pytest.raises(TypeError, match="input 1 is not an array of numbers"):
        replay.forward(np.ones((2, 2)), ["a", "b"])


def test_backward_before_forward_and_bad_seed(replay):
    with pytest.raises(RuntimeError, match="forward"):
        replay.backward()
    replay.forward(np.ones((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match=r"seed has shape \(3,\)"):
        replay.backward(np.ones(3))


def test_failed_forward_leaves_grads_untouched(replay):
    w = replay.params[0]
    w.grad = 1.5
    with pytest.raises(ValueError):
        replay.forward(np.ones((4, 3)), np.ones(4))
    assert w.grad == 1.5


def test_bad_leaves_in_graph_mode():
    x, w = Value(1.0), Value(2.0)
    y = x * w
    with pytest.raises(ValueError, match="parameter #0 .* must be leaves"):
        trace_graph(y.tanh(), [x], [y])
    with pytest.raises(ValueError, match="input #0 is also parameter #0"):
        trace_graph(y, [x], [x])
    with pytest.raises(ValueError, match="parameter #1 is the same Value as parameter #0"):
        trace_graph(y, [x], [w, w])
    with pytest.raises(TypeError, match="parameter #0 is float"):
        trace_graph(y, [x], [2.0])
    with pytest.raises(TypeError, match="input 0 is float"):
        trace_graph(y, [1.0], [w])


def test_bad_functions_and_options():
    X = np.ones(3)
    with pytest.raises(TypeError, match="returned float"):
        trace(lambda x: 1.0, [], X)
    with pytest.raises(TypeError, match="needs a function"):
        trace(None, [], X)
    with pytest.raises(ValueError, match=r"shape \(3, 1, 1\)"):
        trace(lambda x: x, [], np.ones((3, 1, 1)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        compile_batch(lambda x: x, [], X, reduction="max")


def test_wrong_number_of_parameter_values(replay):
    with pytest.raises(ValueError, match=r"expected 1 parameter values, got shape \(2,\)"):
        replay.forward_with(np.ones(2), np.ones((4, 2)), np.ones(4))


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_complex_batch_is_refused(backend):
    """Casting to float64 would drop the imaginary parts silently (numpy only warns)."""
    import torch

    w = Value(0.5)
    X = np.array([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="input 0 is complex"):
        trace(lambda x: x * w, [w], X + 1j, backend=backend)
    with pytest.raises(TypeError, match="input 1 is complex"):
        compile_batch(lambda x, y: x * w * y, [w], X, [1j, 2.0, 3.0], backend=backend)
    replay = trace(lambda x: x * w, [w], X, backend=backend)
    for complex_batch in (X + 0j, torch.tensor(X + 2j), [1.0 + 1j, 2.0, 3.0]):
        with pytest.raises(TypeError, match="input 0 is complex"):
            replay.forward(complex_batch)
    assert np.allclose(np.asarray(replay.forward(X)), 0.5 * X)
