"""Every loss against its PyTorch float64 equivalent: the value and the gradient of each input."""

import math

import pytest
import torch
import torch.nn.functional as F

from neurograd_core import Value
from neurograd_nn import bce_with_logits, cross_entropy, hinge_loss, l2_penalty, mse_loss, softmax

SCORES = [0.8, -1.3, 2.5, -0.2, 0.05, 3.0]
SIGNS = [1, -1, -1, 1, 1, 1]
TARGETS = [0.5, -2.0, 1.0, 0.0, 0.25, 4.0]
EXTREME = [1000.0, -1000.0, 999.5, -999.0, 0.0, 30.0]
PROBABILITIES = [1.0, 0.0, 0.0, 1.0, 0.3, 0.9]


def ours(loss, data, *args):
    values = [Value(x) for x in data]
    out = loss(values, *args)
    out.backward()
    return out.data, [v.grad for v in values]


def theirs(loss, data, *args):
    tensor = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    out = loss(tensor, *args)
    out.backward()
    return out.item(), tensor.grad.tolist()


def assert_matches(mine, reference):
    (value, grads), (expected, expected_grads) = mine, reference
    assert math.isfinite(value) and all(math.isfinite(g) for g in grads)
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert grads == pytest.approx(expected_grads, rel=1e-12, abs=1e-15)


def f64(values):
    return torch.tensor(values, dtype=torch.float64)


def test_hinge_loss_is_the_mean_svm_margin_loss():
    assert_matches(
        ours(hinge_loss, SCORES, SIGNS),
        theirs(lambda s: torch.relu(1 - f64(SIGNS) * s).mean(), SCORES),
    )


def test_hinge_loss_margin():
    assert_matches(
        ours(hinge_loss, SCORES, SIGNS, 0.5),
        theirs(lambda s: torch.relu(0.5 - f64(SIGNS) * s).mean(), SCORES),
    )


def test_mse_loss():
    assert_matches(
        ours(mse_loss, SCORES, TARGETS),
        theirs(lambda p: F.mse_loss(p, f64(TARGETS)), SCORES),
    )


@pytest.mark.parametrize("logits", [SCORES, EXTREME])
def test_bce_with_logits_is_stable(logits):
    assert_matches(
        ours(bce_with_logits, logits, PROBABILITIES),
        theirs(lambda z: F.binary_cross_entropy_with_logits(z, f64(PROBABILITIES)), logits),
    )


ROWS = [[0.5, -1.0, 2.0], [1000.0, -1000.0, 0.0], [-1000.0, -999.0, 1000.0], [3.0, 3.0, 3.0]]
CLASSES = [2, 1, 0, 1]


def test_cross_entropy_is_stable_and_matches_torch():
    values = [[Value(x) for x in row] for row in ROWS]
    out = cross_entropy(values, CLASSES)
    out.backward()
    logits = torch.tensor(ROWS, dtype=torch.float64, requires_grad=True)
    expected = F.cross_entropy(logits, torch.tensor(CLASSES))
    expected.backward()
    assert math.isfinite(out.data)
    assert out.data == pytest.approx(expected.item(), rel=1e-12)
    grads = [[v.grad for v in row] for row in values]
    for mine, reference in zip(grads, logits.grad.tolist()):
        assert mine == pytest.approx(reference, rel=1e-12, abs=1e-15)


def test_cross_entropy_is_one_logsumexp_node_per_sample():
    rows = [[Value(x) for x in row] for row in ROWS]
    loss = cross_entropy(rows, [0, 1, 2, 1])
    ops, stack, seen = [], [loss], set()
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            ops += [node.op.name] if node.op else []
            stack.extend(node.children)
    assert ops.count("logsumexp") == len(ROWS) and "exp" not in ops and "log" not in ops


def test_cross_entropy_of_one_sample():
    assert_matches(
        ours(cross_entropy, ROWS[1], 1),
        theirs(lambda z: F.cross_entropy(z.unsqueeze(0), torch.tensor([1])), ROWS[1]),
    )


def test_softmax_matches_torch_and_sums_to_one():
    probabilities = softmax([Value(x) for x in ROWS[2]])
    expected = torch.softmax(f64(ROWS[2]), dim=0).tolist()
    assert [p.data for p in probabilities] == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert sum(p.data for p in probabilities) == pytest.approx(1.0)


def test_l2_penalty():
    assert_matches(
        ours(l2_penalty, SCORES, 1e-3),
        theirs(lambda p: 1e-3 * (p * p).sum(), SCORES),
    )
    assert l2_penalty([]).data == 0.0


def test_losses_accept_plain_number_predictions():
    assert mse_loss([1.0, 2.0], [0.0, 0.0]).data == 2.5


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse_loss([Value(1.0)], [1.0, 2.0]), ValueError, "1 predictions but 2 targets"),
        (lambda: mse_loss([], []), ValueError, "no samples"),
        (lambda: mse_loss(Value(1.0), [1.0]), TypeError, "expects two sequences"),
        (lambda: hinge_loss([Value(1.0)] * 2, [1, 0]), ValueError, "got 0 at index 1"),
        (lambda: cross_entropy(ROWS, [0, 1, 3, 0]), ValueError, "sample 2 is 3, outside 0..2"),
        (lambda: cross_entropy(ROWS, [0, 1, True, 0]), TypeError, "must be a class index"),
        (lambda: cross_entropy(ROWS, [0, 1, 1.0, 0]), TypeError, "must be a class index"),
        (lambda: cross_entropy([[1.0, 2.0], [1.0]], [0, 0]), ValueError, "row 1 has 1 scores"),
        (lambda: cross_entropy([[]], [0]), ValueError, "row 0 must be a non-empty sequence"),
    ],
)
def test_bad_loss_inputs_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
