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


def ABS(xp, x):
    return xp.abs(x)


def cube_op(name="cube"):
    return Op(name, lambda xp, x: x**3, lambda xp, grad, out, x: (grad * 3 * x * x,), symbol="^3")


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
        lambda xp, a, b, *, scale=1.0: scale * (a + b),
        lambda xp, grad, out, a, b, *, scale=1.0: (grad * scale, grad * scale),
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
        (lambda: Op("bad name", ABS, lambda xp, g, o, x: (g,)), "not a Python identifier"),
        (lambda: Op("class", ABS, lambda xp, g, o, x: (g,)), "not a Python identifier"),
        (lambda: Op("_private", ABS, lambda xp, g, o, x: (g,)), "reserved"),
        (lambda: Op("backward", ABS, lambda xp, g, o, x: (g,)), "reserved"),
        (lambda: Op("data", ABS, lambda xp, g, o, x: (g,)), "reserved"),
        (lambda: Op("f", ABS, "not callable"), "backward must be callable"),
        (lambda: Op("f", None, lambda xp, g, o, x: (g,)), "forward must be callable"),
        (lambda: Op("f", lambda xp, x: x, lambda xp, g, o: (g,)), "backward must take"),
        (
            lambda: Op("f", lambda xp, x: x, lambda xp, g, o, x: (g,), arity=2),
            "forward does not take xp and 2",
        ),
        (
            lambda: Op("f", lambda xp, x: x, lambda xp, g, o, x: (g,), arity=0),
            "arity must be a positive",
        ),
        (
            lambda: Op("f", lambda xp, *xs: sum(xs), lambda xp, g, o, x: (g,)),
            "forward takes any number of inputs .*, so backward must too",
        ),
        (
            lambda: Op(
                "f",
                lambda xp, *xs: sum(xs),
                lambda xp, g, o, *xs: xs,
                fast_forward=lambda a, b: a + b,
            ),
            "so fast_forward must too",
        ),
        (lambda: Op("f", ABS, lambda xp, g, o, x: (g,), symbol=3), "symbol must be a string"),
        (
            lambda: Op("f", ABS, lambda xp, g, o, x: (g,), torch="torch.abs"),
            "torch must be callable",
        ),
    ],
)
def test_invalid_ops_are_rejected_when_declared_or_registered(isolated, make, message):
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
        register_op(Op("tanh", lambda xp, x: 0.0, lambda xp, g, o, x: (0.0,)))
    assert registry.get("tanh") is first
    assert Value(0.5).tanh().data == math.tanh(0.5)


def test_core_arithmetic_is_replaced_only_on_request(isolated):
    with pytest.raises(OpConflictError, match="'add'"):
        register_op(Op("add", lambda xp, a, b: a - b, lambda xp, g, o, a, b: (g, -g)))
    assert (Value(2.0) + 1.0).data == 3.0
    forty_two = Op(
        "add", lambda xp, a, b: 42.0, lambda xp, g, o, a, b: (g, g), operators=("__add__",)
    )
    register_op(forty_two, replace=True)
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
    register_op(Op("twice", lambda xp, x: 2 * x, lambda xp, g, o, x: (2 * g, 0.0)))
    x = Value(1.5)
    y = x.twice() * x
    with pytest.raises(BackwardError, match=r"'twice'.*returned 2 gradients for 1 inputs"):
        y.backward()
    assert x.grad == 0.0 and y.grad == 0.0  # nothing half-changed


def test_backward_that_raises_names_the_op_and_changes_nothing(isolated):
    def broken(xp, grad, out, x):
        raise ZeroDivisionError("boom")

    register_op(Op("fragile", lambda xp, x: x, broken))
    x = Value(1.0)
    y = (x.fragile() + x).tanh()
    with pytest.raises(BackwardError, match=r"backward of op 'fragile'.*boom") as info:
        y.backward()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert x.grad == 0.0 and y.grad == 0.0


def test_forward_returning_a_non_number_is_a_type_error_naming_the_op(isolated):
    register_op(Op("stringy", lambda xp, x: "x", lambda xp, g, o, x: (g,)))
    with pytest.raises(TypeError, match="op 'stringy' returned str"):
        Value(1.0).stringy()


def test_attribute_variants_are_shared_between_nodes():
    x = Value(3.0)
    assert (x**2).op is (x**2).op
    assert (x**2).op.attrs == {"exponent": 2}
    assert (x**2).op.label == "**2"
    # equal attributes of other types get a copy of their own: 2.0 == 2 == True
    assert (x**2.0).op.label == "**2.0" and (x**2).op.label == "**2"
    assert (x**True).op.attrs == {"exponent": True} and (x**1).op.label == "**1"
    clamped = x.clamp(min=0, max=1.0)
    assert clamped.op is x.clamp(min=0, max=1.0).op
    assert clamped.op is not x.clamp(min=0.0, max=1.0).op


def test_an_op_declared_the_old_way_is_refused_showing_the_new_shape():
    with pytest.raises(InvalidOpError) as info:
        Op("cube", lambda x: x**3, lambda grad, out, x: (3 * grad * x * x,))
    message = str(info.value)
    assert "forward must take xp first, but its first parameter is 'x'" in message
    assert "def cube(xp, x):" in message and "fast_forward=" in message


def test_a_builtin_forward_is_refused_with_a_reason():
    with pytest.raises(InvalidOpError, match="no signature"):
        Op("biggest", max, lambda xp, g, o, x: (g,))


def test_an_op_cannot_be_changed_once_declared():
    op = cube_op()
    with pytest.raises(AttributeError, match="cannot be changed"):
        op.arity = 2
    with pytest.raises(AttributeError, match="cannot be changed"):
        op.forward = None
    assert op.arity == 1


def test_registering_does_not_mutate_the_declared_op_and_records_the_provider(isolated):
    op = cube_op()
    held = registry.register(op, provider="cubes")
    assert op.provider is None and held.provider == "cubes"
    assert held.forward is op.forward and held.arity == op.arity == 1
    assert Value(2.0).cube().op.provider == "cubes"


def test_value_does_not_import_the_registry():
    import ast
    import inspect

    import neurograd_core.value

    tree = ast.parse(inspect.getsource(neurograd_core.value))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "neurograd_core.registry" not in imported
    assert "neurograd_core.binding" not in imported


def _floor_divide(xp, a, b):
    return xp.floor_divide(a, b)


def _floor_divide_backward(xp, grad, out, a, b):
    return 0.0 * grad, 0.0 * grad


def test_a_third_party_op_can_back_an_operator_no_bundled_op_backs(isolated):
    assert not hasattr(Value, "__floordiv__")
    register_op(
        Op(
            "floordiv",
            _floor_divide,
            _floor_divide_backward,
            operators=("__floordiv__", "__rfloordiv__"),
        )
    )
    x, y = Value(7.5), Value(-2.0)
    z = x // y
    assert z.data == -4.0 and z.op.name == "floordiv"
    z.backward()
    assert (x.grad, y.grad) == (0.0, 0.0)
    w = 8.0 // y
    assert w.data == -4.0 and w.children[1] is y
    with pytest.raises(TypeError):
        x // "text"  # noqa: B018


def test_unregistering_an_operators_op_removes_the_operator(isolated):
    assert registry.backing("__mod__") == ["remainder"]
    registry.unregister("remainder")
    assert "__mod__" not in Value.__dict__ and "__rmod__" not in Value.__dict__
    with pytest.raises(TypeError):
        Value(7.5) % 2.0  # noqa: B018


def test_two_ops_backing_one_operator_clash_naming_both(isolated):
    other = Op(
        "plus", lambda xp, a, b: a + b, lambda xp, g, o, a, b: (g, g), operators=("__add__",)
    )
    with pytest.raises(OpConflictError, match=r"__add__ is already backed by op 'add'.*'plus'"):
        register_op(other)
    assert "plus" not in registry and (Value(1.0) + 2.0).op.name == "add"


ONE_INPUT = (lambda xp, a: a, lambda xp, g, o, a: (g,))
TWO_INPUTS = (lambda xp, a, b: a, lambda xp, g, o, a, b: (g, g))


@pytest.mark.parametrize(
    "parts, operators, message",
    [
        (ONE_INPUT, ("__add__",), "needs two inputs, or one input and one required attribute"),
        (TWO_INPUTS, ("__neg__",), "needs one input and no required attribute"),
        (ONE_INPUT, ("__radd__",), "needs two inputs"),
        (TWO_INPUTS, ("__lshift__",), "not an operator it can back"),
    ],
)
def test_operators_must_fit_the_op(parts, operators, message):
    with pytest.raises(InvalidOpError, match=message):
        Op("f", *parts, operators=operators)


def _total(xp, *xs):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def _total_backward(xp, grad, out, *xs):
    return (grad,) * len(xs)


def test_an_op_of_any_number_of_inputs_is_one_node_however_many_it_takes(isolated):
    op = register_op(Op("total", _total, _total_backward))
    assert op.arity is None and repr(op) == "Op('total', arity=any)"
    xs = [Value(float(i)) for i in range(5)]
    y = xs[0].total(*xs[1:])
    assert y.data == 10.0 and y.children == tuple(xs)
    y.backward(2.0)
    assert [x.grad for x in xs] == [2.0] * 5
    z = functional.total(xs[0])
    assert z.data == 0.0 and z.children == (xs[0],)
    with pytest.raises(TypeError, match="'total' takes any number of inputs, but at least one"):
        functional.total()


def test_a_star_forward_with_an_arity_keeps_that_arity(isolated):
    op = register_op(Op("total", _total, _total_backward, arity=3))
    assert op.arity == 3
    with pytest.raises(TypeError, match="takes 3 inputs, got 2"):
        functional.total(1.0, 2.0)
