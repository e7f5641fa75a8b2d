"""A plugin op that misbehaves is reported naming the op and its plugin; gradients are floats."""

import numpy as np
import pytest

from neurograd_core import BackwardError, ForwardError, Op, Value, functional, registry

PLUGIN = "faulty-plugin"


@pytest.fixture
def isolated():
    with registry.isolated() as reg:
        yield reg


def register(op):
    return registry.register(op, provider=PLUGIN)


def identity(xp, x):
    return x


def identity_fast(x):
    return x


def registered_with_gradient(gradient, *, fast):
    """An op ``odd`` whose backward returns ``gradient`` (generic or fast form)."""
    if fast:
        register(
            Op(
                "odd",
                identity,
                lambda xp, grad, out, x: (grad,),
                fast_forward=identity_fast,
                fast_backward=lambda grad, out, x: (gradient(grad),),
            )
        )
    else:
        register(Op("odd", identity, lambda xp, grad, out, x: (gradient(grad),)))


@pytest.mark.parametrize("fast", [False, True], ids=["generic", "fast"])
@pytest.mark.parametrize(
    "gradient, shown",
    [(lambda g: complex(g, 1.0), "complex"), (lambda g: Value(g), "Value"), (lambda g: "1", "str")],
    ids=["complex", "Value", "str"],
)
def test_a_gradient_that_is_not_real_is_a_backward_error_naming_op_and_plugin(
    isolated, fast, gradient, shown
):
    registered_with_gradient(gradient, fast=fast)
    x = Value(2.0)
    x.grad = 0.5
    y = x.odd() * 3.0
    with pytest.raises(BackwardError, match=rf"'odd' \(from plugin '{PLUGIN}'\).*{shown}"):
        y.backward()
    assert x.grad == 0.5 and y.grad == 0.0  # nothing half-changed


@pytest.mark.parametrize("fast", [False, True], ids=["generic", "fast"])
@pytest.mark.parametrize(
    "gradient",
    [np.float64, np.float32, lambda g: np.array(g), lambda g: int(g), lambda g: g > 0],
    ids=["float64", "float32", "0-d array", "int", "bool"],
)
def test_numbers_that_are_not_floats_become_python_floats(isolated, fast, gradient):
    registered_with_gradient(gradient, fast=fast)
    x = Value(2.0)
    y = x.odd() + x.odd()  # an inner node, then x, receive the odd gradients
    y.backward()
    assert type(x.grad) is float and x.grad == 2.0


def test_a_gradient_from_a_numpy_scalar_keeps_every_grad_a_python_float(isolated):
    register(Op("odd", identity, lambda xp, grad, out, x: (np.float64(3.0) * float(grad),)))
    x = Value(2.0)
    h = x.odd()
    y = h.odd() * 1.0
    y.backward()
    assert [type(v.grad) for v in (x, h, y)] == [float, float, float]
    assert x.grad == 9.0


def failing_forward(xp, x, *args, **attrs):
    raise ZeroDivisionError("forward cannot cope")


@pytest.mark.parametrize(
    "call",
    [
        lambda: Value(1.0).broken(),
        lambda: Value(1.0).broken(scale=2.0),
        lambda: functional.broken(Value(1.0)),
    ],
    ids=["method", "with attribute", "functional"],
)
def test_an_exception_in_a_unary_forward_names_op_and_plugin(isolated, call):
    register(Op("broken", failing_forward, lambda xp, g, out, x, **attrs: (g,), arity=1))
    with pytest.raises(ForwardError, match=rf"forward of op 'broken' \(from plugin '{PLUGIN}'\)"):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: Value(1.0) // Value(2.0),
        lambda: Value(1.0) // 2.0,
        lambda: 2.0 // Value(1.0),
        lambda: Value(1.0).broken2(Value(2.0)),
    ],
    ids=["values", "number", "reflected", "method"],
)
def test_an_exception_in_a_binary_forward_names_op_and_plugin(isolated, call):
    register(
        Op(
            "broken2",
            lambda xp, a, b: failing_forward(xp, a),
            lambda xp, g, out, a, b: (g, g),
            operators=("__floordiv__", "__rfloordiv__"),
        )
    )
    with pytest.raises(ForwardError, match=rf"'broken2' \(from plugin '{PLUGIN}'\)") as info:
        call()
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_an_exception_in_a_forward_backing_an_operator_with_a_number_operand(isolated):
    register(
        Op(
            "broken_pow",
            lambda xp, x, *, exponent: failing_forward(xp, x),
            lambda xp, g, out, x, *, exponent: (g,),
            operators=("__floordiv__",),
        )
    )
    with pytest.raises(ForwardError, match=rf"'broken_pow' \(from plugin '{PLUGIN}'\)"):
        Value(1.0) // 2


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Value(1.0).tanh(bad=1), r"op 'tanh' \(from plugin 'activations'\) takes no "),
        (lambda: Value(1.0).leaky_relu(slope=0.1), r"no attribute 'slope'.*negative_slope"),
        (lambda: functional.pow(Value(1.0)), r"op 'pow' .*needs 'exponent'"),
        (lambda: Value(1.0).pow(), r"op 'pow' .*needs 'exponent'"),
    ],
    ids=["unknown", "misspelt", "missing (functional)", "missing (method)"],
)
def test_a_wrong_attribute_is_the_callers_type_error_naming_the_op(call, message):
    with pytest.raises(TypeError, match=message):
        call()
