"""Value: construction, operators, backward, modes; expected numbers from PyTorch or by hand."""

import math
import threading

import numpy as np
import pytest
import torch

from neurograd_core import AnomalyError, Value, detect_anomaly, no_grad

torch.set_default_dtype(torch.float64)


def test_readme_example_matches_micrograd_and_pytorch():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()

    ta = torch.tensor(-4.0, requires_grad=True)
    tb = torch.tensor(2.0, requires_grad=True)
    tc = ta + tb
    td = ta * tb + tb**3
    tc = tc + tc + 1
    tc = tc + 1 + tc + (-ta)
    td = td + td * 2 + (tb + ta).relu()
    td = td + 3 * td + (tb - ta).relu()
    te = tc - td
    tf = te**2
    tg = tf / 2.0
    tg = tg + 10.0 / tf
    tg.backward()

    assert g.data == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)
    # micrograd's README prints these four-decimal figures
    assert (f"{g.data:.4f}", f"{a.grad:.4f}", f"{b.grad:.4f}") == (
        "24.7041",
        "138.8338",
        "645.5773",
    )


@pytest.mark.parametrize(
    "data, expected",
    [
        (3, 3.0),
        (True, 1.0),
        (np.float32(0.5), 0.5),
        (np.int64(-7), -7.0),
        (np.bool_(True), 1.0),
        (np.array(2.5), 2.5),
        (-0.0, 0.0),
    ],
)
def test_value_converts_real_numbers_to_float(data, expected):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == expected
    assert v.grad == 0.0


@pytest.mark.parametrize(
    "data, named",
    [
        ("1.0", "str"),
        (None, "NoneType"),
        ([1.0], "list"),
        (np.array([1.0, 2.0]), "shape (2,)"),
        (1 + 2j, "complex"),
        ({"a": 1}, "dict"),
    ],
)
def test_value_rejects_non_real_data_naming_the_type(data, named):
    with pytest.raises(TypeError, match=re_escape(named)):
        Value(data)


def re_escape(text):
    import re

    return re.escape(text)


def test_repr_and_label():
    v = Value(2.0, label="w")
    assert repr(v) == "Value(data=2.0, grad=0.0)"
    assert v.label == "w"
    v.label = "bias"
    assert v.label == "bias"
    assert Value(1.0).label == ""


@pytest.mark.parametrize(
    "expression",
    [
        lambda x, y: x + y,
        lambda x, y: x - y,
        lambda x, y: x * y,
        lambda x, y: x / y,
        lambda x, y: x**y,
        lambda x, y: -x + 2.5,
        lambda x, y: 2.5 - x,
        lambda x, y: 3 * x,
        lambda x, y: 1.5 / x,
        lambda x, y: 2**y,
        lambda x, y: x**3,
        lambda x, y: x**-0.5,
        lambda x, y: x + 1,
        lambda x, y: 4 + y,
        lambda x, y: y - 1,
        lambda x, y: y / 4,
    ],
)
def test_operators_with_values_and_numbers_on_either_side(expression):
    x, y = Value(1.7), Value(-0.6)
    out = expression(x, y)
    out.backward()
    tx = torch.tensor(1.7, requires_grad=True)
    ty = torch.tensor(-0.6, requires_grad=True)
    tout = expression(tx, ty)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-12)
    for ours, theirs in ((x, tx), (y, ty)):
        expected = 0.0 if theirs.grad is None else theirs.grad.item()
        assert ours.grad == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_value_exponent_gets_a_gradient_like_pytorch():
    x, y = Value(2.0), Value(3.0)
    (x**y).backward()
    assert x.grad == pytest.approx(3 * 2.0**2)
    assert y.grad == pytest.approx(2.0**3 * math.log(2.0))


@pytest.mark.parametrize("bad", ["a", None, [1.0], object()])
@pytest.mark.parametrize(
    "operation",
    [
        lambda v, o: v + o,
        lambda v, o: o + v,
        lambda v, o: v * o,
        lambda v, o: o * v,
        lambda v, o: v - o,
        lambda v, o: v / o,
        lambda v, o: o / v,
        lambda v, o: v**o,
    ],
)
def test_unsupported_operand_is_a_type_error(operation, bad):
    with pytest.raises(TypeError):
        operation(Value(1.0), bad)


def test_numpy_scalars_work_on_either_side():
    v = Value(2.0)
    left = np.float64(3.0) * v
    right = v * np.float32(3.0)
    assert isinstance(left, Value) and isinstance(right, Value)
    assert left.data == right.data == 6.0


def test_children_are_an_ordered_tuple_so_reuse_counts_twice():
    x = Value(3.0)
    y = x * x
    assert y.children == (x, x)
    y.backward()
    assert x.grad == 6.0
    a, b = Value(1.0), Value(2.0)
    assert (b - a).children == (b, a)


def test_gradients_accumulate_across_calls_like_pytorch():
    x = Value(0.7)
    t = torch.tensor(0.7, requires_grad=True)
    y = (x * x).tanh() + x
    ty = (t * t).tanh() + t
    y.backward()
    y.backward()
    ty.backward(retain_graph=True)
    ty.backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-12)


def test_backward_with_upstream_gradient_scales_the_chain_rule():
    x = Value(0.3)
    y = x.sigmoid()
    y.backward(gradient=2.5)
    t = torch.tensor(0.3, requires_grad=True)
    t.sigmoid().backward(torch.tensor(2.5))
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-12)


def test_a_chain_of_a_million_nodes_backpropagates():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_backward_is_deterministic():
    def run():
        xs = [Value(0.1 * i) for i in range(1, 8)]
        out = sum((a * b).tanh() for a in xs for b in xs)
        out.backward()
        return [x.grad for x in xs]

    assert run() == run()


def test_no_grad_records_no_graph():
    x = Value(2.0)
    with no_grad():
        y = (x * 3.0).tanh() + x**2
    assert y.children == () and y.op is None
    y.backward()
    assert x.grad == 0.0
    z = x * 3.0  # recording again afterwards
    assert z.children[0] is x


def test_no_grad_is_thread_local():
    x = Value(2.0)
    seen = {}
    entered = threading.Event()
    release = threading.Event()

    def other_thread():
        entered.wait()
        seen["children"] = (x * x).children
        release.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with no_grad():
        entered.set()
        release.wait(10)
        inside = (x * x).children
    worker.join()
    assert inside == ()
    assert seen["children"] == (x, x)


def test_detect_anomaly_names_the_op_that_produced_a_non_finite_value():
    x = Value(-1.0)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"'log'.*activations"):
        x.log()
    assert math.isnan(x.log().data)  # outside the block: IEEE nan, no exception


def test_detect_anomaly_names_the_op_whose_gradient_is_non_finite():
    x = Value(0.0)
    with detect_anomaly():
        y = x.sqrt()  # value 0.0 is finite, its gradient 1/(2*0) is not
        with pytest.raises(AnomalyError, match=r"backward of op 'sqrt'"):
            y.backward()
    assert x.grad == 0.0  # the failed backward changed nothing
