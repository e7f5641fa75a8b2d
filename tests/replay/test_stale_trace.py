"""A graph whose structure depends on data is caught, not replayed blindly."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from neurograd_core import Value
from neurograd_core.replay import StaleTraceError, compile_batch, trace, trace_graph


def branchy(x):
    # a Python `if` on a Value's data: tanh for positive inputs, relu otherwise
    return x.tanh() if x.data > 0 else x.relu()


def test_branch_on_input_data_is_caught_when_tracing():
    X = np.array([0.5, 0.7, -1.0, 0.2])
    with pytest.raises(StaleTraceError, match=r"example 2.*'tanh'.*'relu'"):
        trace(branchy, [], X, verify=8)


def test_constant_chosen_by_data_is_caught():
    def scaled(x):
        return x * (2.0 if x.data > 0 else 3.0)

    with pytest.raises(StaleTraceError, match="constant 2.0 in the trace but constant 3.0"):
        trace(scaled, [], np.array([1.0, 2.0, -1.0]))


def test_max_over_data_is_caught():
    def shifted_exp(x):  # the usual softmax shift reads .data
        largest = max(v.data for v in x)
        return sum((v - largest).exp() for v in x)

    with pytest.raises(StaleTraceError):
        trace(shifted_exp, [], np.array([[1.0, 2.0], [3.0, 0.0]]))


def test_branch_on_a_parameter_is_caught_while_replaying():
    w = Value(0.5)

    def gated(x):
        return x * w if w.data > 0 else x - w

    X = np.array([1.0, 2.0, 3.0])
    replay = trace(gated, [w], X, recheck_every=2)
    replay.forward(X)  # first forward: no recheck yet
    w.data = -0.5  # training moved the parameter across the branch
    with pytest.raises(StaleTraceError, match="'mul'.*'sub'"):
        replay.forward(X)


def test_check_runs_every_example_on_demand():
    X = np.array([0.5, 0.7, 0.9, 0.1, -0.3])
    replay = trace(branchy, [], X[:4], verify=3, recheck_every=0)  # all positive: traced fine
    replay.forward(X)
    replay.check(X[:4])
    with pytest.raises(StaleTraceError, match="example 4"):
        replay.check(X)


def test_data_independent_function_passes_every_check(assert_close):
    X = np.linspace(-2, 2, 9)
    replay = trace(lambda x: (x * 3.0).relu() + x.tanh(), [], X, verify=100, recheck_every=1)
    replay.check(X)
    for _ in range(3):
        got = replay.forward(X)
    assert_close(got, [max(3 * x, 0.0) + np.tanh(x) for x in X])


def test_params_term_is_rechecked_too():
    w = Value(1.0)

    def penalty(params):
        return params[0] * params[0] if params[0].data > 0 else params[0].abs()

    X = np.array([1.0, 2.0])
    objective = compile_batch(lambda x: x * w, [w], X, params_term=penalty, recheck_every=1)
    objective.step(X)
    w.data = -1.0
    with pytest.raises(StaleTraceError):
        objective.step(X)


def test_graph_mode_cannot_be_rechecked():
    x = Value(1.0)
    replay = trace_graph(x.tanh(), [x], [])
    with pytest.raises(TypeError, match="traced from a graph"):
        replay.check(np.array([1.0]))


def test_a_value_not_listed_as_parameter_is_read_and_differentiated(assert_close):
    """A Value captured from outside behaves as in eager mode: current data, and a gradient."""
    w, scale = Value(0.5), Value(2.0)
    X = np.array([1.0, -2.0])
    replay = trace(lambda x: x * w * scale, [w], X)
    assert replay.captured == [scale]
    scale.data = 3.0
    assert_close(replay.forward(X), [1.5, -3.0])
    replay.backward()
    assert_close(w.grad, 3.0 * (1.0 - 2.0))
    assert_close(scale.grad, 0.5 * (1.0 - 2.0))  # was silently 0.0

    w.grad = scale.grad = 0.0
    for x in X.tolist():  # eager mode, example by example
        (x * w * scale).backward()
    assert_close(scale.grad, -0.5)


SCALE = 2.0  # a module-level number a traced function reads


def test_a_changed_outside_number_is_caught_at_the_next_call():
    X = np.array([1.0, -2.0])
    shift = 0.5
    replay = trace(lambda x: x * SCALE + shift, [], X, recheck_every=0)
    assert np.allclose(replay.forward(X), [2.5, -3.5])
    shift = 1.5  # the closure's number changed: the trace holds 0.5
    with pytest.raises(StaleTraceError, match=r"shift was 0.5 when traced and is 1.5 now"):
        replay.forward(X)
    shift = 0.5
    replay.forward(X)

    global SCALE
    SCALE = 3.0
    try:
        with pytest.raises(StaleTraceError, match="SCALE was 2.0 when traced and is 3.0 now"):
            replay.forward(X)
    finally:
        SCALE = 2.0


def test_an_outside_number_in_params_term_is_watched_too():
    w = Value(1.0)
    alpha = 1e-4
    X = np.array([1.0, 2.0])
    objective = compile_batch(lambda x: x * w, [w], X, params_term=lambda ps: alpha * ps[0])
    objective.step(X)
    alpha = 1e-3
    with pytest.raises(StaleTraceError, match="alpha was 0.0001"):
        objective.step(X)
    assert alpha == 1e-3


def test_a_number_read_deeper_is_caught_by_the_periodic_check():
    class Scaled:
        factor = 2.0

        def __call__(self, x):
            return x * self.factor

    model = Scaled()
    X = np.array([1.0, 2.0])
    replay = trace(model, [], X, recheck_every=2)
    assert np.allclose(replay.forward(X), [2.0, 4.0])
    model.factor = 3.0  # an attribute: not watched at every call, but at every 2nd
    with pytest.raises(StaleTraceError, match=r"Scaled builds .* constant 2.0 in the trace but"):
        replay.forward(X)


def test_numbers_the_function_writes_or_flags_are_not_watched():
    calls = 0
    verbose = False

    def counted(x):
        nonlocal calls
        calls += 1  # the function's own counter changes at every eager run
        if verbose:
            print("tracing")
        return x * 2.0

    X = np.array([1.0, 2.0, 3.0])
    replay = trace(counted, [], X, recheck_every=1)
    for _ in range(3):
        assert np.allclose(replay.forward(X), 2.0 * X)
    assert calls > 3
    verbose = True
    with contextlib.redirect_stdout(io.StringIO()):
        replay.forward(X)  # a flag: left to the periodic check, which sees no change
