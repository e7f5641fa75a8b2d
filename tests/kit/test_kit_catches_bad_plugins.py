"""End to end, as a plugin author meets it: a broken plugin's conformance run fails, and
each failure names the op and the check."""

import re

pytest_plugins = ["pytester"]

BROKEN_PLUGIN = """
import math

from neurograd_core import Op, hookimpl


def sin(x):
    return math.sin(x) if math.isfinite(x) else math.nan


def cos(x):
    return math.cos(x) if math.isfinite(x) else math.nan


def sign_slip(grad, out, x):  # d sin = cos, not -cos
    return (-grad * cos(x),)


OPS = [
    Op("wrong_backward", sin, sign_slip),
    Op("wrong_arity", lambda x: 2.0 * x, lambda grad, out, x: (2.0 * grad,), arity=2),
    Op("exploding_forward", math.exp, lambda grad, out, x: (grad * out,)),
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
        "exploding_forward-extreme_values",
        "wrong_arity-arity",
        "wrong_backward-chain_rule",
        "wrong_backward-finite_differences",
    ]
    for test_id, message in failures.items():
        op, check = test_id.split("-")
        assert f"op '{op}' failed check '{check}'" in message
    assert "OverflowError" in failures["exploding_forward-extreme_values"]
    assert "forward does not take 2 inputs" in failures["wrong_arity-arity"]
    # everything else about these ops is fine, and passes
    recorder.assertoutcome(failed=4, passed=11)


def test_k_selects_one_op_and_check(pytester):
    recorder, failures = _run(pytester, "-k", "wrong_backward and chain")
    assert list(failures) == ["wrong_backward-chain_rule"]
    recorder.assertoutcome(failed=1, passed=0)
