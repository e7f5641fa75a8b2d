"""Level scheduling: the number of numpy steps follows depth and op kinds, not node count."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np

from neurograd_core import Value
from neurograd_core.replay import trace, trace_graph
from neurograd_nn import MLP


def traced_mlp(hidden):
    random.seed(0)
    model = MLP(2, [hidden, hidden, 1])
    return trace(model, model.parameters(), np.ones((4, 2)))


def test_steps_do_not_grow_with_width():
    narrow, wide = traced_mlp(4), traced_mlp(64)
    assert wide.n_nodes > 30 * narrow.n_nodes / 4
    assert wide.n_steps == narrow.n_steps
    assert wide.depth == narrow.depth


def test_a_neurons_sum_is_one_level_however_many_inputs():
    random.seed(0)
    shallow, deep = MLP(3, [1]), MLP(300, [1])
    a = trace(shallow, shallow.parameters(), np.ones((2, 3)))
    b = trace(deep, deep.parameters(), np.ones((2, 300)))
    assert a.depth == b.depth == 1  # products and sum merged: one matrix product
    assert a.n_steps == b.n_steps == 1


def test_steps_bounded_by_depth_times_op_kinds():
    replay = traced_mlp(16)
    kinds = {"mul", "add", "relu"}
    assert replay.n_steps <= replay.depth * len(kinds)


def test_nodes_of_an_op_of_any_number_of_inputs_share_a_step_per_input_count(assert_close):
    w = Value(0.5)

    def f(x):
        a, b, c = x
        pairs = [a.logsumexp(b), b.logsumexp(c), c.logsumexp(a)]  # one step
        triples = [a.logsumexp(b, w), c.logsumexp(a, w)]  # another, of three inputs each
        return pairs + triples

    X = np.random.default_rng(1).uniform(-3, 3, size=(5, 3))
    replay = trace(f, [w], X)
    assert replay.n_steps == 2 and replay.depth == 1
    got = np.asarray(replay.forward(X))
    replay.backward(np.ones((5, 5)))
    replayed_grad, w.grad = w.grad, 0.0
    expected = []
    for row in X.tolist():
        outputs = f([Value(v) for v in row])
        expected.append([out.data for out in outputs])
        for out in outputs:
            out.backward()
    assert_close(got, expected)
    assert_close([replayed_grad], [w.grad])


def test_a_whole_batch_graph_replays_with_new_data(assert_close):
    """micrograd's style: one graph over every example; replayed, examples share steps."""
    random.seed(1)
    model = MLP(2, [8, 1])
    rows = [[Value(random.uniform(-1, 1)) for _ in range(2)] for _ in range(30)]
    loss = sum((1 + model(x)).relu() for x in rows) * (1.0 / len(rows))
    leaves = [v for row in rows for v in row]
    replay = trace_graph(loss, [leaves], model.parameters())
    assert replay.n_steps < 20 < replay.n_nodes / 40

    new = np.random.default_rng(0).uniform(-1, 1, size=(30, 2))
    got = replay.forward(new.reshape(1, -1))
    replay.backward()
    grads = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.grad = 0.0
    eager = sum((1 + model(x)).relu() for x in new.tolist()) * (1.0 / len(rows))
    eager.backward()
    assert_close(got, [eager.data])
    assert_close(grads, [p.grad for p in model.parameters()])


def test_importing_neurograd_core_does_not_import_numpy():
    code = "import sys, neurograd_core; print('numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_package_map_matches_its_modules():
    """At most six modules, and the package docstring's map names each of them."""
    import re
    from pathlib import Path

    import neurograd_core.replay as package

    modules = sorted(path.name for path in Path(package.__file__).parent.glob("*.py"))
    mapped = re.findall(r"^    (\w+\.py) ", package.__doc__, re.MULTILINE)
    assert len(modules) <= 6
    assert sorted([*mapped, "__init__.py"]) == modules


def test_groups_are_named_by_what_they_compute():
    from neurograd_core.replay.schedule import BATCH, FIXED, OpKind, Rows, SumKind

    random.seed(0)
    model = MLP(2, [4, 1])
    replay = trace(lambda x: (model(x) * 2.0).relu(), model.parameters(), np.ones((3, 2)))
    kinds = [group.kind for group in replay.schedule.groups]
    assert [type(kind) for kind in kinds] == [SumKind, OpKind, SumKind, OpKind, OpKind]
    layer = replay.schedule.groups[0]
    assert layer.kind.n_pairs == 2 and layer.n_terms == 1  # w0*x0 + w1*x1, and the bias
    assert [read.buffer for read in layer.reads] == [FIXED] * 3 + [BATCH] * 2
    assert layer.out == Rows(BATCH, 2, 4)  # after the two input rows
    assert [kind.name for kind in kinds if isinstance(kind, OpKind)] == ["relu", "mul", "relu"]


def _penalty_graph(activation):
    """A one-hidden-layer model's score plus its input-gradient penalty, recorded as replay
    traces it; and how many nodes the score's own graph has (flatten numbers them first)."""
    import random

    from neurograd_core import Value, grad
    from neurograd_core.modes import recording_branches
    from neurograd_core.replay.trace import flatten
    from neurograd_nn import MLP

    random.seed(0)
    model = MLP(2, [4, 1], activation=activation)
    x = [Value(0.5), Value(-1.0)]
    with recording_branches():
        score = model(x)
        penalty = sum(g * g for g in grad(score, x, create_graph=True))
    graph = flatten([score + penalty], x, model.parameters())
    return graph, len(flatten([score], x, model.parameters()))


def test_only_nodes_under_a_recorded_branch_get_liveness_masks():
    from neurograd_core.op import SELECT
    from neurograd_core.replay.schedule import add_liveness, build_schedule

    graph, _ = _penalty_graph("tanh")  # no branch: nothing to mask, nothing added
    assert add_liveness(graph) == (graph, {})
    assert all(group.mask is None for group in build_schedule(graph).groups)

    graph, n_model = _penalty_graph("relu")
    grown, masks = add_liveness(graph)
    assert masks and len(grown) > len(graph) and grown.kinds[: len(graph)] == graph.kinds
    selects = [i for i, op in enumerate(graph.ops) if op is not None and SELECT in op.traits]
    assert any(graph.children[w][2] in masks for w in selects)  # a relu's upstream gradient
    assert min(masks) >= n_model  # the model's own nodes are in every example's graph
    masked_groups = [g for g in build_schedule(graph).groups if g.mask is not None]
    assert masked_groups and all(g.op is not None for g in masked_groups)
