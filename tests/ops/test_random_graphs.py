"""Property test: random expression DAGs of the bundled ops agree with PyTorch float64.

Each step picks an op and earlier nodes as its inputs, so nodes are reused and
the graph is a DAG, not a tree. Inputs are shaped to stay in each op's domain
(log of x*x + 1, not of x) so that both engines compute finite numbers.
"""

import math

import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from neurograd_core import Value

# name -> (number of inputs, the same expression for Value and for torch.Tensor)
UNARY_STEPS = {
    "relu": lambda x, lib: x.relu(),
    "leaky_relu": lambda x, lib: (
        x.leaky_relu(negative_slope=0.1) if lib == "ng" else F.leaky_relu(x, 0.1)
    ),
    "tanh": lambda x, lib: x.tanh(),
    "sigmoid": lambda x, lib: x.sigmoid(),
    "softplus": lambda x, lib: x.softplus() if lib == "ng" else F.softplus(x),
    "silu": lambda x, lib: x.silu() if lib == "ng" else F.silu(x),
    "exp": lambda x, lib: x.tanh().exp(),
    "log": lambda x, lib: (x * x + 1.0).log(),
    "sqrt": lambda x, lib: (x * x + 0.5).sqrt(),
    "abs": lambda x, lib: x.abs(),
    "neg": lambda x, lib: -x,
    "pow": lambda x, lib: x.tanh() ** 3,
    "pow_fraction": lambda x, lib: (x * x + 1.0) ** -0.5,
}
BINARY_STEPS = {
    "add": lambda a, b, lib: a + b,
    "sub": lambda a, b, lib: a - b,
    "mul": lambda a, b, lib: a * b.tanh(),
    "div": lambda a, b, lib: a / (b * b + 1.0),
    "power": lambda a, b, lib: (a * a + 1.0) ** b.tanh(),
    "scalar_mix": lambda a, b, lib: 2.0 - a * 0.5 + 3.0 / (b * b + 2.0),
}

step = st.one_of(
    st.tuples(st.sampled_from(sorted(UNARY_STEPS)), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.sampled_from(sorted(BINARY_STEPS)), st.integers(0, 10**6), st.integers(0, 10**6)),
)


def build(leaves, steps, lib):
    nodes = list(leaves)
    for name, i, j in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if name in UNARY_STEPS:
            nodes.append(UNARY_STEPS[name](a, lib))
        else:
            nodes.append(BINARY_STEPS[name](a, b, lib))
    # every node contributes, so every gradient path is exercised
    out = nodes[-1]
    for node in nodes[len(leaves) : -1]:
        out = out + node.tanh()
    return out


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    leaves=st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=4),
    steps=st.lists(step, min_size=1, max_size=25),
    upstream=st.floats(-2.0, 2.0),
)
def test_random_dag_matches_pytorch(leaves, steps, upstream):
    ours = [Value(x) for x in leaves]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    out = build(ours, steps, "ng")
    t_out = build(theirs, steps, "torch")
    out.backward(upstream)
    t_out.backward(torch.tensor(upstream, dtype=torch.float64))
    assert close(out.data, t_out.item()), (out.data, t_out.item())
    for leaf, t_leaf in zip(ours, theirs):
        expected = 0.0 if t_leaf.grad is None else t_leaf.grad.item()
        assert close(leaf.grad, expected), (leaf.grad, expected)
