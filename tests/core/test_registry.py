"""The op registry: validation at registration, binding, clashes, and backward faults."""

import math

import pytest

from neurograd_core import (
    BackwardError,
    InvalidOpError,
    Op,
    OpConflictError,
    UnknownOpError,
    Value,
    functional,
    register_op,
    registry,
)


@pytest.fixture
def isolated():
    with registry.isolated() as reg:
        yield reg


def cube_op(name="cube"):
    return Op(name, lambda x: x**3, lambda grad, out, x: (grad * 3 * x * x,), symbol="^3")


def test_register_op_from_a_script_binds_a_method_and_a_function(isolated):
    register_op(cube_op())
    x = Value(2.0)
    y = x.cube()
    assert y.data == 8.0
    y.backward()
    assert x.grad == 12.0  # 3 * 2**2, by hand
    assert functional.cube(Value(3.0)).data == 27.0
    assert registry.provider_of("cube") == "<user code>"


def test_isolated_registry_removes_what_the_test_added():
    with registry.isolated():
        register_op(cube_op())
        assert hasattr(Value, "cube")
    assert not hasattr(Value, "cube")
    assert "cube" not in registry


def test_arity_is_inferred_and_attributes_are_keywords(isolated):
    op = Op(
        "scaled_add",
        lambda a, b, *, scale=1.0: scale * (a + b),
        lambda grad, out, a, b, *, scale=1.0: (grad * scale, grad * scale),
    )
    register_op(op)
    assert op.arity == 2
    x, y = Value(1.0), Value(2.0)
    z = x.scaled_add(y)
    assert z.data == 3.0
    w = functional.scaled_add(x, y, scale=10.0)
    assert w.data == 30.0 and w.op.attrs == {"scale": 10.0}
    w.backward()
    assert (x.grad, y.grad) == (10.0, 10.0)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Op("bad name", abs, lambda g, o, x: (g,)), "not a Python identifier"),
        (lambda: Op("class", abs, lambda g, o, x: (g,)), "not a Python identifier"),
        (lambda: Op("_private", abs, lambda g, o, x: (g,)), "reserved"),
        (lambda: Op("backward", abs, lambda g, o, x: (g,)), "reserved"),
        (lambda: Op("data", abs, lambda g, o, x: (g,)), "reserved"),
        (lambda: Op("f", abs, "not callable"), "backward must be callable"),
        (lambda: Op("f", None, lambda g, o, x: (g,)), "forward must be callable"),
        (lambda: Op("f", lambda x: x, lambda g, o: (g,)), "backward must take"),
        (lambda: Op("f", lambda x: x, lambda g, o, x: (g,), arity=2), "forward does not take 2"),
        (lambda: Op("f", lambda x: x, lambda g, o, x: (g,), arity=0), "arity must be a positive"),
        (lambda: Op("f", lambda *xs: sum(xs), lambda g, o, *xs: xs), "cannot infer arity"),
        (lambda: Op("f", abs, lambda g, o, x: (g,), symbol=3), "symbol must be a string"),
        (lambda: Op("f", abs, lambda g, o, x: (g,), torch="torch.abs"), "torch must be callable"),
    ],
)
def test_invalid_ops_are_rejected_when_registered(isolated, make, message):
    before = registry.names()
    with pytest.raises(InvalidOpError, match=message):
        register_op(make())
    assert registry.names() == before


def test_not_an_op_is_rejected(isolated):
    with pytest.raises(InvalidOpError, match="expected an Op, got str"):
        register_op("tanh")


def test_clash_names_both_providers_and_keeps_the_first(isolated):
    first = registry.get("tanh")
    with pytest.raises(
        OpConflictError, match=r"'tanh'.*'activations'.*'<user code>'.*replace=True"
    ):
        register_op(Op("tanh", lambda x: 0.0, lambda g, o, x: (0.0,)))
    assert registry.get("tanh") is first
    assert Value(0.5).tanh().data == math.tanh(0.5)


def test_core_arithmetic_is_replaced_only_on_request(isolated):
    with pytest.raises(OpConflictError, match="'add'"):
        register_op(Op("add", lambda a, b: a - b, lambda g, o, a, b: (g, -g)))
    assert (Value(2.0) + 1.0).data == 3.0
    register_op(Op("add", lambda a, b: 42.0, lambda g, o, a, b: (g, g)), replace=True)
    assert (Value(2.0) + 1.0).data == 42.0
    assert registry.provider_of("add") == "<user code>"


def test_replaced_arithmetic_is_restored_after_isolation():
    assert (Value(2.0) + 1.0).data == 3.0
    assert registry.provider_of("add") == "arithmetic"


def test_unknown_op_lists_what_is_registered():
    with pytest.raises(UnknownOpError, match=r"no op named 'nope'.*tanh"):
        registry.get("nope")
    with pytest.raises(AttributeError, match="no op 'nope'"):
        functional.nope  # noqa: B018


def test_functional_form_checks_the_number_of_inputs():
    with pytest.raises(TypeError, match=r"'tanh' takes 1 inputs, got 2"):
        functional.tanh(Value(1.0), Value(2.0))


def test_backward_returning_the_wrong_number_of_gradients_names_the_op(isolated):
    register_op(Op("twice", lambda x: 2 * x, lambda g, o, x: (2 * g, 0.0)))
    x = Value(1.5)
    y = x.twice() * x
    with pytest.raises(BackwardError, match=r"'twice'.*returned 2 gradients for 1 inputs"):
        y.backward()
    assert x.grad == 0.0 and y.grad == 0.0  # nothing half-changed


def test_backward_that_raises_names_the_op_and_changes_nothing(isolated):
    def broken(grad, out, x):
        raise ZeroDivisionError("boom")

    register_op(Op("fragile", lambda x: x, broken))
    x = Value(1.0)
    y = (x.fragile() + x).tanh()
    with pytest.raises(BackwardError, match=r"backward of op 'fragile'.*boom") as info:
        y.backward()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert x.grad == 0.0 and y.grad == 0.0


def test_forward_returning_a_non_number_is_a_type_error_naming_the_op(isolated):
    register_op(Op("stringy", lambda x: "x", lambda g, o, x: (g,)))
    with pytest.raises(TypeError, match="op 'stringy' returned str"):
        Value(1.0).stringy()


def test_attribute_variants_are_shared_between_nodes():
    x = Value(3.0)
    assert (x**2).op is (x**2).op
    assert (x**2).op.attrs == {"exponent": 2}
    assert (x**2).op.label == "**2"
