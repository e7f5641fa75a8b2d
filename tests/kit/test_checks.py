"""Each conformance check catches the defect it is there for, and lets a correct op pass."""

import math

import pytest

from neurograd_core import Op
from neurograd_core.testing import CHECKS, ConformanceError, conformance_cases, ops_of


def _sin(xp, x):
    return xp.sin(x)


def _sin_backward(xp, grad, out, x):
    return (grad * xp.cos(x),)


def _mul_backward(xp, grad, out, a, b):
    return grad * b, grad * a


def _cube_forward(xp, x, *, scale):
    return scale * x**3


def _cube_backward(xp, grad, out, x, *, scale):
    return (grad * 3.0 * scale * x * x,)


def _fast_sin(x):
    return math.sin(x) if math.isfinite(x) else math.nan


def _fast_sin_backward(grad, out, x):
    return (grad * (math.cos(x) if math.isfinite(x) else math.nan),)


SIN = Op("sine", _sin, _sin_backward)
MUL = Op("times", lambda xp, a, b: a * b, _mul_backward, torch=lambda a, b: a * b)
CUBE = Op("cube", _cube_forward, _cube_backward, arity=1)


@pytest.fixture(autouse=True)
def isolated_registry():
    """Some tests unregister a bundled op (cos): every test gets the registry back."""
    from neurograd_core import registry

    with registry.isolated():
        yield


def _run(op, check, attrs=None):
    (case,) = [c for c in conformance_cases([op], attrs=attrs) if c.check == check]
    case.run()


def _fails(op, check, match, attrs=None):
    with pytest.raises(ConformanceError, match=match) as caught:
        _run(op, check, attrs)
    assert f"op '{op.name}'" in str(caught.value)
    assert f"failed check '{check}'" in str(caught.value)


CHECKED_EVERYWHERE = ["finite_differences", "chain_rule", "bound_method", "numpy_arrays"]
CHECKED_EVERYWHERE += ["torch_tensors", "values", "second_order"]


@pytest.mark.parametrize("check", CHECKED_EVERYWHERE)
def test_correct_ops_pass(check):
    _run(SIN, check)
    _run(MUL, check)


def test_backward_that_ignores_the_upstream_gradient_fails_chain_rule():
    op = Op("sine", _sin, lambda xp, grad, out, x: (xp.cos(x),))
    _run(op, "finite_differences")  # with grad = 1 the mistake is invisible
    _fails(op, "chain_rule", "upstream gradient -1.75")


def test_backward_that_ignores_a_reused_input_fails_reused_input():
    # right for distinct inputs a*b; wrong only when both inputs are one Value
    op = Op(
        "times",
        lambda xp, a, b: a * b,
        lambda xp, grad, out, a, b: (grad * b, grad * (a if a != b else 0)),
    )
    _run(op, "finite_differences")
    _fails(op, "reused_input", "with every input the same Value")


def test_impure_forward_fails_pure_forward():
    calls = []

    def drifting(xp, x):
        calls.append(x)
        return x + len(calls)

    op = Op("drift", drifting, lambda xp, grad, out, x: (grad,))
    _fails(op, "pure_forward", "when called again")


def test_backward_with_too_many_gradients_fails_arity():
    op = Op("sine", _sin, lambda xp, grad, out, x: (grad * xp.cos(x), 0.0))
    _fails(op, "arity", "backward returned 2 gradients")


def test_forward_that_raises_on_nan_or_inf_fails_non_finite():
    op = Op("sine", lambda xp, x: math.sin(x), _sin_backward)  # math.sin, not xp.sin
    _fails(op, "non_finite", r"inputs \(inf\): ValueError")


def test_wrong_torch_equivalent_is_reported():
    op = Op("times", lambda xp, a, b: a * b, _mul_backward, torch=lambda a, b: a + b)
    _fails(op, "torch", "PyTorch")


def test_attributes_are_passed_to_every_check():
    attrs = {"cube": [{"scale": 2.0}]}
    for case in conformance_cases([CUBE], attrs=attrs):
        assert case.attrs == {"scale": 2.0}
        case.run()


def test_case_ids_name_op_attributes_and_check():
    ids = [case.id for case in conformance_cases([SIN, MUL, CUBE], attrs={"cube": [{"scale": 2}]})]
    assert ids == [
        "sine-arity",
        "sine-finite_differences",
        "sine-chain_rule",
        "sine-pure_forward",
        "sine-bound_method",
        "sine-non_finite",
        "sine-extreme_values",
        "sine-numpy_arrays",
        "sine-torch_tensors",
        "sine-values",
        "sine-second_order",
        "times-arity",
        "times-finite_differences",
        "times-chain_rule",
        "times-reused_input",
        "times-pure_forward",
        "times-bound_method",
        "times-non_finite",
        "times-extreme_values",
        "times-torch",
        "times-numpy_arrays",
        "times-torch_tensors",
        "times-values",
        "times-second_order",
        "cube(scale=2)-arity",
        "cube(scale=2)-finite_differences",
        "cube(scale=2)-chain_rule",
        "cube(scale=2)-pure_forward",
        "cube(scale=2)-bound_method",
        "cube(scale=2)-non_finite",
        "cube(scale=2)-extreme_values",
        "cube(scale=2)-numpy_arrays",
        "cube(scale=2)-torch_tensors",
        "cube(scale=2)-values",
        "cube(scale=2)-second_order",
    ]
    fast = Op("sine", _sin, _sin_backward, fast_forward=_fast_sin)
    assert "sine-fast_form" in [case.id for case in conformance_cases([fast])]
    checks = {case_id.split("-")[1] for case_id in ids} | {"fast_form"}
    assert set(CHECKS) == checks


def test_op_needing_attributes_without_declared_values_is_a_clear_error():
    with pytest.raises(ValueError, match=r"op 'cube' needs the attribute\(s\) scale"):
        conformance_cases([CUBE])


def test_attributes_for_an_unknown_op_are_a_clear_error():
    with pytest.raises(ValueError, match="attrs names op.s. cubed that the plugin lacks"):
        conformance_cases([SIN], attrs={"cubed": [{"scale": 1}]})


def test_a_domain_that_leaves_no_room_is_reported():
    op = Op("narrow", _sin, _sin_backward, domain=lambda x: x > 100.0)
    _fails(op, "finite_differences", "inside the op's domain")


def test_ops_of_reads_a_plugins_register_ops_hook():
    class Plugin:
        @staticmethod
        def register_ops(register):
            register(SIN)
            register(MUL, replace=True)

    assert ops_of(Plugin) == [SIN, MUL]
    assert ops_of(SIN) == [SIN]
    with pytest.raises(TypeError, match="takes a plugin"):
        ops_of("sine")


def test_a_fast_form_that_differs_from_the_generic_one_fails_fast_form():
    good = Op("sine", _sin, _sin_backward, fast_forward=_fast_sin, fast_backward=_fast_sin_backward)
    _run(good, "fast_form")
    # differs only at -0.0 (sin(-0.0) is -0.0): bit-equality catches the lost sign
    sloppy = Op("sine", _sin, _sin_backward, fast_forward=lambda x: _fast_sin(x) + 0.0)
    _fails(
        sloppy, "fast_form", r"at inputs \(-0.0\) fast_forward gives 0.0, the generic forward -0.0"
    )
    wrong_slope = Op("sine", _sin, _sin_backward, fast_backward=lambda g, o, x: (g * math.cos(x),))
    _fails(wrong_slope, "fast_form", r"at inputs \(inf\)|ValueError")


def test_a_python_branch_on_an_input_fails_on_arrays():
    def relu_with_if(xp, x):
        return x if x > 0 else 0.0 * x

    op = Op("branchy", relu_with_if, lambda xp, g, o, x: (xp.where(x > 0, g, 0.0),), kinks=(0.0,))
    _run(op, "finite_differences")  # on floats it is right
    _fails(op, "numpy_arrays", r"does not run on numpy arrays.*xp.where")
    _fails(op, "torch_tensors", r"does not run on torch arrays.*xp.where")


def test_a_backward_that_runs_on_floats_only_fails_on_values():
    def float_backward(xp, grad, out, x):
        return (grad * math.cos(getattr(x, "data", x)),)  # on Values: a constant slope

    op = Op("sine", _sin, float_backward)
    _run(op, "finite_differences")
    _run(op, "values")  # the same numbers on Values ...
    _fails(op, "second_order", r"d\(gradient 0\)/d\(input 0\) is 0.0 through the engine")

    def crashing_backward(xp, grad, out, x):
        return (grad * math.cos(float(x)),)  # float() of a Value: TypeError

    _fails(Op("sine", _sin, crashing_backward), "values", "does not run on Values.*TypeError")


def test_a_backward_that_needs_an_unregistered_op_on_values_says_which():
    op = Op("sine", _sin, lambda xp, g, o, x: (g * xp.cos(x),))
    from neurograd_core import registry

    registry.unregister("cos")
    _fails(op, "values", "xp.cos on Values applies the registered op 'cos'")


def _total(xp, *xs):
    out = xs[0]
    for x in xs[1:]:
        out = out + x * x
    return out


def test_an_op_of_any_number_of_inputs_is_checked_at_several_counts():
    def backward(xp, grad, out, *xs):
        return (grad, *[2 * grad * x for x in xs[1:]])

    good = Op("sum_of_squares", _total, backward)
    cases = conformance_cases([good])
    assert {"reused_input", "numpy_arrays", "second_order"} <= {c.check for c in cases}
    for case in cases:
        case.run()

    # right for up to two inputs, wrong from the third on: only other counts catch it
    def short_backward(xp, grad, out, *xs):
        return (grad, *[2 * grad * x if i < 1 else grad * x for i, x in enumerate(xs[1:])])

    _fails(Op("sum_of_squares", _total, short_backward), "finite_differences", "input 2")

    def one_gradient_short(xp, grad, out, *xs):
        return (grad, *[2 * grad * x for x in xs[2:]])

    _fails(Op("sum_of_squares", _total, one_gradient_short), "arity", "backward returned")


def test_a_variadic_ops_domain_picks_its_input_counts():
    seen = []

    def odd_only(*xs):
        seen.append(len(xs))
        return len(xs) % 2 == 1

    op = Op("odd_total", _total, lambda xp, g, o, *xs: (g, *[2 * g * x for x in xs[1:]]))
    op = Op("odd_total", _total, op.backward, domain=odd_only)
    from neurograd_core.testing.sampling import sample_points

    counts = {len(point) for point in sample_points(op, 4)}
    assert counts == {1, 3, 5} and 2 in seen
