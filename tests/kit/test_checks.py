"""Each conformance check catches the defect it is there for, and lets a correct op pass."""

import math

import pytest

from neurograd_core import Op
from neurograd_core.testing import CHECKS, ConformanceError, conformance_cases, ops_of


def _safe_sin(x):
    return math.sin(x) if math.isfinite(x) else math.nan


def _safe_cos(x):
    return math.cos(x) if math.isfinite(x) else math.nan


def _sin_backward(grad, out, x):
    return (grad * _safe_cos(x),)


def _mul_backward(grad, out, a, b):
    return grad * b, grad * a


def _cube_forward(x, *, scale):
    return scale * x**3 if abs(x) < 1e100 else math.copysign(math.inf, x) * scale


def _cube_backward(grad, out, x, *, scale):
    return (grad * 3.0 * scale * x * x if abs(x) < 1e100 else math.inf,)


SIN = Op("sine", _safe_sin, _sin_backward)
MUL = Op("times", lambda a, b: a * b, _mul_backward, torch=lambda a, b: a * b)
CUBE = Op("cube", _cube_forward, _cube_backward, arity=1)


def _run(op, check, attrs=None):
    (case,) = [c for c in conformance_cases([op], attrs=attrs) if c.check == check]
    case.run()


def _fails(op, check, match, attrs=None):
    with pytest.raises(ConformanceError, match=match) as caught:
        _run(op, check, attrs)
    assert f"op '{op.name}'" in str(caught.value)
    assert f"failed check '{check}'" in str(caught.value)


@pytest.mark.parametrize("check", ["finite_differences", "chain_rule", "bound_method"])
def test_correct_ops_pass(check):
    _run(SIN, check)
    _run(MUL, check)


def test_backward_that_ignores_the_upstream_gradient_fails_chain_rule():
    op = Op("sine", _safe_sin, lambda grad, out, x: (_safe_cos(x),))
    _run(op, "finite_differences")  # with grad = 1 the mistake is invisible
    _fails(op, "chain_rule", "upstream gradient -1.75")


def test_backward_that_ignores_a_reused_input_fails_reused_input():
    # right for distinct inputs a*b; wrong only when both inputs are one Value
    op = Op(
        "times", lambda a, b: a * b, lambda grad, out, a, b: (grad * b, grad * (a if a != b else 0))
    )
    _run(op, "finite_differences")
    _fails(op, "reused_input", "with every input the same Value")


def test_impure_forward_fails_pure_forward():
    calls = []

    def drifting(x):
        calls.append(x)
        return x + len(calls)

    _fails(Op("drift", drifting, lambda grad, out, x: (grad,)), "pure_forward", "when called again")


def test_backward_with_too_many_gradients_fails_arity():
    op = Op("sine", _safe_sin, lambda grad, out, x: (grad * _safe_cos(x), 0.0))
    _fails(op, "arity", "backward returned 2 gradients")


def test_forward_that_raises_on_nan_or_inf_fails_non_finite():
    _fails(Op("sine", math.sin, _sin_backward), "non_finite", r"inputs \(inf\): ValueError")


def test_wrong_torch_equivalent_is_reported():
    op = Op("times", lambda a, b: a * b, _mul_backward, torch=lambda a, b: a + b)
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
        "times-arity",
        "times-finite_differences",
        "times-chain_rule",
        "times-reused_input",
        "times-pure_forward",
        "times-bound_method",
        "times-non_finite",
        "times-extreme_values",
        "times-torch",
        "cube(scale=2)-arity",
        "cube(scale=2)-finite_differences",
        "cube(scale=2)-chain_rule",
        "cube(scale=2)-pure_forward",
        "cube(scale=2)-bound_method",
        "cube(scale=2)-non_finite",
        "cube(scale=2)-extreme_values",
    ]
    assert set(CHECKS) == {case_id.split("-")[1] for case_id in ids}


def test_op_needing_attributes_without_declared_values_is_a_clear_error():
    with pytest.raises(ValueError, match=r"op 'cube' needs the attribute\(s\) scale"):
        conformance_cases([CUBE])


def test_attributes_for_an_unknown_op_are_a_clear_error():
    with pytest.raises(ValueError, match="attrs names op.s. cubed that the plugin lacks"):
        conformance_cases([SIN], attrs={"cubed": [{"scale": 1}]})


def test_a_domain_that_leaves_no_room_is_reported():
    op = Op("narrow", _safe_sin, _sin_backward, domain=lambda x: x > 100.0)
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
