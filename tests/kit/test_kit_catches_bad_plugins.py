"""End to end, as a plugin author meets it: a broken plugin's conformance run fails, and
each failure names the op and the check."""

import re

pytest_plugins = ["pytester"]

BROKEN_PLUGIN = """
import math

from neurograd_core import Op, hookimpl


def sign_slip(xp, grad, out, x):  # d tanh = 1 - tanh**2, not its negative
    return (-grad * (1 - out * out),)


def branchy(xp, x):  # a Python branch: right on floats, breaks on arrays
    return x if x > 0 else 0.5 * x


def fast_tanh_backward(grad, out, x):  # forgets the upstream gradient
    return (1.0 - out * out,)


OPS = [
    Op("wrong_backward", lambda xp, x: xp.tanh(x), sign_slip),
    Op("wrong_arity", lambda xp, x: 2.0 * x, lambda xp, grad, out, x: (2.0 * grad, grad)),
    Op("exploding_forward", lambda xp, x: math.exp(x), lambda xp, grad, out, x: (grad * out,)),
    Op("branchy", branchy, lambda xp, grad, out, x: (xp.where(x > 0, grad, 0.5 * grad),)),
    Op(
        "slow_but_wrong_fast",
        lambda xp, x: xp.tanh(x),
        lambda xp, grad, out, x: (grad * (1 - out * out),),
        fast_backward=fast_tanh_backward,
    ),
]


@hookimpl
def register_ops(register):
    for op in OPS:
        register(op)
"""


TEST_FILE = """
import broken_plugin
from neurograd_core.testing import conformance

test_kit = conformance(broken_plugin)
"""


def _run(pytester, *args):
    """Run the broken plugin's one-line conformance test; returns (recorder, {id: report})."""
    pytester.makepyfile(broken_plugin=BROKEN_PLUGIN, test_broken=TEST_FILE)
    recorder = pytester.inline_run("-p", "no:cacheprovider", *args)
    failures = {}
    for report in recorder.getfailures():
        test_id = re.fullmatch(r"test_broken\.py::test_kit\[(.+)\]", report.nodeid).group(1)
        failures[test_id] = report.longreprtext
    return recorder, failures


def test_each_defect_fails_its_check_naming_op_and_check(pytester):
    recorder, failures = _run(pytester)
    assert sorted(failures) == [
        "branchy-numpy_arrays",
        "branchy-torch_tensors",
        "exploding_forward-extreme_values",
        "exploding_forward-numpy_arrays",
        "exploding_forward-torch_tensors",
        "exploding_forward-values",
        "slow_but_wrong_fast-chain_rule",
        "slow_but_wrong_fast-fast_form",
        "slow_but_wrong_fast-second_order",
        "wrong_arity-arity",
        "wrong_arity-bound_method",
        "wrong_arity-chain_rule",
        "wrong_arity-finite_differences",
        "wrong_arity-numpy_arrays",
        "wrong_arity-torch_tensors",
        "wrong_arity-values",
        "wrong_backward-chain_rule",
        "wrong_backward-finite_differences",
        "wrong_backward-second_order",
    ]
    for test_id, message in failures.items():
        op, check = test_id.split("-")
        assert f"op '{op}' failed check '{check}'" in message
    assert "OverflowError" in failures["exploding_forward-extreme_values"]
    assert "forward takes 1 inputs, but backward returned 2" in failures["wrong_arity-arity"]
    assert "does not run on numpy arrays" in failures["branchy-numpy_arrays"]
    assert "fast_backward gives" in failures["slow_but_wrong_fast-fast_form"]
    # everything else about these ops is fine, and passes
    recorder.assertoutcome(failed=19, passed=37)


def test_k_selects_one_op_and_check(pytester):
    recorder, failures = _run(pytester, "-k", "wrong_backward and chain")
    assert list(failures) == ["wrong_backward-chain_rule"]
    recorder.assertoutcome(failed=1, passed=0)
