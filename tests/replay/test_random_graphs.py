"""Random graphs of every bundled op: replayed values and gradients equal eager mode's.

A graph is a list of build steps drawn by hypothesis; each step applies one op
to earlier nodes (so nodes are shared and the graph is a DAG), sometimes with a
Python number (a constant leaf). Leaves are per-example inputs and parameters,
so some nodes depend on parameters only (replayed once, unbatched). Eager mode
runs the same steps on Values, one example at a time.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurograd_core import Value
from neurograd_core.replay import trace

# Each expression keeps its op's inputs in a range where values stay finite. Bounded
# inputs come from sin, not tanh: tanh's slope 1 - tanh(x)**2 cancels where tanh
# saturates, which turns numpy's and libm's last-bit differences into 1e-11.
UNARY = {
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(negative_slope=0.2),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "softplus": lambda x: x.softplus(),
    "silu": lambda x: x.silu(),
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 1.0).log(),
    "sqrt": lambda x: (x * x + 0.25).sqrt(),
    "abs": lambda x: x.abs(),
    "log1p": lambda x: (x * x).log1p(),
    "expm1": lambda x: x.tanh().expm1(),
    "exp2": lambda x: x.tanh().exp2(),
    "log2": lambda x: (x * x + 0.5).log2(),
    "log10": lambda x: (x * x + 0.5).log10(),
    "neg": lambda x: -x,
    "pow": lambda x: x.tanh() ** 3,
    "pow_negative_fraction": lambda x: (x * x + 1.0) ** -1.5,
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "tan": lambda x: ((x * 0.5).sin() * 1.4).tan(),
    "asin": lambda x: ((x * 0.5).sin() * 0.9).asin(),
    "acos": lambda x: ((x * 0.5).sin() * 0.9).acos(),
    "atan": lambda x: x.atan(),
    "sinh": lambda x: (x * 0.5).sin().sinh(),
    "cosh": lambda x: (x * 0.5).sin().cosh(),
    "asinh": lambda x: x.asinh(),
    "acosh": lambda x: (x * x + 1.5).acosh(),
    "atanh": lambda x: ((x * 0.5).sin() * 0.9).atanh(),
    "roundings": lambda x: x.sign() + x.floor() + x.ceil() + (x * 3.0).round() + x.trunc(),
    "clamp": lambda x: x.clamp(min=-0.75, max=1.25) + x.clamp(min=0.1) + x.clamp(max=-0.2),
    "erf": lambda x: x.erf() + x.erfc(),
    "sinc": lambda x: x.sinc(),
    "gelu": lambda x: x.gelu() + x.gelu(approximate="tanh"),
    "elu_family": lambda x: x.elu(alpha=0.5) + x.selu() + x.celu(alpha=2.0),
    "mish": lambda x: x.mish() + x.softsign() + x.logsigmoid(),
    "hard": lambda x: (
        (x * 4.0).hardtanh() + (x * 4.0).relu6() + (x * 4.0).hardsigmoid() + (x * 4.0).hardswish()
    ),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b.tanh(),
    "div": lambda a, b: a / (b * b + 1.0),
    "power": lambda a, b: (a * a + 0.5) ** b.tanh(),
    "with_constants": lambda a, b: 2.0 - a * 0.5 + 3.0 / (b * b + 2.0),
    "same_input_twice": lambda a, b: a * a,
    "sum_chain": lambda a, b: sum([a, b, a * 0.5, b.tanh()], 0.25),
    "atan2": lambda a, b: a.atan2(b * b + 0.5),
    "remainders": lambda a, b: a % (b * b + 0.5) + a.fmod(b * b + 0.5) + 3.0 % (a * a + 1.0),
    "limits": lambda a, b: a.maximum(b) + a.minimum(b) + a.hypot(b),
    # ops of any number of inputs, one node each, at several counts
    "sum": lambda a, b: a.sum(b, a * 0.5) + b.sum(),
    "sum_pairs": lambda a, b: a.sum(b).sum(a * 0.5).sum(b.tanh()),  # a chain replay merges
    "mean": lambda a, b: a.mean(b, b.tanh(), 0.25, a),
    "dot": lambda a, b: a.dot(b, b.tanh(), a, 0.25) + b.dot(a, 0.5) + a.dot(),
    "logsumexp": lambda a, b: a.logsumexp(b, a * 2.0) + b.logsumexp(),
}

step = st.one_of(
    st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 10**6), st.integers(0, 10**6)),
)


def build(inputs, params, steps):
    nodes = list(inputs) + list(params)
    for name, i, j in steps:
        # prefer recent nodes, so graphs grow deep as well as wide
        a = nodes[-1 - i % min(len(nodes), 6)] if i % 3 else nodes[i % len(nodes)]
        b = nodes[j % len(nodes)]
        nodes.append(UNARY[name](a) if name in UNARY else BINARY[name](a, b))
    return [nodes[-1], nodes[-2], nodes[len(inputs) + len(params)]]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@settings(max_examples=40, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=25), seed=st.integers(0, 2**32 - 1))
def test_random_graph_matches_eager(assert_close, backend, steps, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(6, 3))
    params = [Value(v) for v in rng.uniform(-1, 1, size=3)]
    replay = trace(lambda x: build(x, params, steps), params, X, backend=backend)
    seeds = rng.uniform(-1, 1, size=(6, 3))
    got = np.asarray(replay.forward(X))
    replay.backward(seeds)
    replay_grads = [p.grad for p in params]

    for p in params:
        p.grad = 0.0
    expected = []
    for x, seed_row in zip(X.tolist(), seeds.tolist()):
        outputs = build([Value(v) for v in x], params, steps)
        expected.append([out.data for out in outputs])
        for out, s in zip(outputs, seed_row):
            out.backward(s)
    assert_close(got, expected)
    assert_close(replay_grads, [p.grad for p in params])


def test_every_bundled_op_is_exercised():
    """The op names the generator can produce cover the bundled ops."""
    from neurograd_core import registry

    used = set()
    params = [Value(0.3), Value(-0.7)]
    for name in UNARY:
        used |= _ops_in(UNARY[name](params[0]))
    for name in BINARY:
        used |= _ops_in(BINARY[name](params[0], params[1]))
    bundled = {op.name for op in registry if op.forward.__module__.startswith("neurograd_ops.")}
    assert len(bundled) > 60 and bundled <= used


def _ops_in(root):
    seen, stack, names = set(), [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.op is not None:
            names.add(node.op.name)
        stack.extend(node.children)
    return names
