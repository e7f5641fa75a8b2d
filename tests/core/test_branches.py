"""Branches as nodes (``neurograd_core.branches``): what replay's tracer turns on so that a
gradient's graph is the same for every example, while eager mode keeps picking branches."""

from __future__ import annotations

import math

import pytest

from neurograd_core import Value, grad, modes
from neurograd_core.branches import LESS, NOT, Condition, condition, where
from neurograd_core.modes import recording_branches, state
from neurograd_core.replay.trace import flatten


def first_derivative(fn, x, record):
    leaf = Value(x)
    if record:
        with recording_branches():
            (slope,) = grad(fn(leaf), leaf, create_graph=True)
    else:
        (slope,) = grad(fn(leaf), leaf, create_graph=True)
    return leaf, slope


def ops_in(root):
    return sorted(op.name for op in flatten([root], [], []).ops if op is not None)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.relu() * x,
        lambda x: x.abs() * x,
        lambda x: x.leaky_relu() * x.maximum(0.5 * x),
        lambda x: x.clamp(min=-1.0, max=1.0) * x,
        lambda x: (5.0 % x) * x,  # d(5 % x)/dx = -(5 // x): a constant per example
    ],
    ids=["relu", "abs", "leaky_relu-maximum", "clamp", "remainder"],
)
def test_recorded_gradients_have_one_graph_on_both_sides_of_a_kink(fn):
    graphs, eager_graphs = set(), set()
    for x in (-1.7, -0.4, 0.6, 2.3):
        leaf, recorded = first_derivative(fn, x, True)
        eager_leaf, eager = first_derivative(fn, x, False)
        assert recorded.data == eager.data or (math.isnan(recorded.data) and math.isnan(eager.data))
        graphs.add(tuple(flatten([recorded], [leaf], []).signature()))
        eager_graphs.add(tuple(flatten([eager], [eager_leaf], []).signature()))
        # differentiated once more, the recorded graph gives eager mode's second derivative
        (bend,) = grad(recorded, leaf, allow_unused=True)
        (eager_bend,) = grad(eager, eager_leaf, allow_unused=True)
        assert bend.data == (0.0 if eager_bend is None else eager_bend.data)
    assert len(graphs) == 1
    assert len(eager_graphs) > 1  # the case the recording is for


def test_eager_mode_builds_no_branch_nodes():
    _, slope = first_derivative(lambda x: x.relu() * x, -1.0, False)
    assert not {"where", "less_equal", "less", "greater"} & set(ops_in(slope))
    _, slope = first_derivative(lambda x: x.relu() * x, -1.0, True)
    assert {"where", "less_equal"} <= set(ops_in(slope))


def test_comparisons_are_bools_outside_op_bodies_even_while_recording():
    x = Value(1.0)
    with recording_branches():
        assert (x > 0) is True and (x < 0) is False and (x >= 2) is False and (x <= 1) is True
    assert not state.comparisons_recorded


def test_a_condition_holds_one_or_zero_and_combines():
    a, b = Value(1.0), Value(2.0)
    less = condition(LESS, a, b)
    assert isinstance(less, Condition) and less.data == 1.0 and bool(less)
    assert (less & condition(LESS, b, a)).data == 0.0
    assert (less | condition(LESS, b, a)).data == 1.0
    assert (~less).data == 0.0 and condition(NOT, less).data == 0.0
    assert (True & ~less).data == 0.0 and (False | less).data == 1.0
    assert less.children == (a, b)


def test_where_is_one_node_over_both_branches_and_routes_the_gradient():
    a, b = Value(3.0), Value(-5.0)
    for data, picked, other in ((1.0, a, b), (0.0, b, a)):
        switch = Value(data)
        chosen = condition(LESS, Value(0.0), switch)
        out = where(chosen, a, b)
        assert out.data == picked.data and out.children == (chosen, a, b)
        ga, gb, gs = grad(out * 2.0, [a, b, switch])
        grads = {id(a): ga.data, id(b): gb.data}
        assert grads[id(picked)] == 2.0 and grads[id(other)] == 0.0
        assert gs.data == 0.0  # no gradient through a condition


def test_nothing_is_left_recording_when_an_op_body_fails():
    from neurograd_core import Op, registry
    from neurograd_core.errors import BackwardError

    def broken_backward(xp, grad, out, x):
        assert x > 0  # a Condition here: truthy when x > 0
        raise RuntimeError("broken")

    op = Op("broken_for_branches", lambda xp, x: x * 1.0, broken_backward)
    with registry.isolated():
        registry.register(op)
        x = Value(2.0)
        y = x.broken_for_branches()
        with recording_branches(), pytest.raises(BackwardError, match="broken"):
            grad(y, x, create_graph=True)
    assert not state.comparisons_recorded and not state.branches_recorded
    assert modes.recording == 0  # comparisons elsewhere take the fast path again
