"""The conformance checks: each one a function ``check(op, attrs)`` that raises on a violation.

``CHECKS`` lists them by name; ``applies(name, op, attrs)`` says which apply to
which op. A check added here reaches every plugin that runs the kit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neurograd_core.binding import OPERATORS
from neurograd_core.op import Op
from neurograd_core.registry import validate_op
from neurograd_core.testing import sampling
from neurograd_core.value import Value, apply, as_float

FD_TOLERANCE = {"rel_tol": 1e-5, "abs_tol": 1e-6}
TORCH_TOLERANCE = {"rel_tol": 1e-7, "abs_tol": 1e-9}
UPSTREAM = -1.75  # the chain-rule check's upstream gradient: not 1, and negative


class ConformanceError(AssertionError):
    """An op broke the op contract; the message names the op, the check and the inputs."""


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _shown(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(repr(x) for x in point) + ")"


def _gradients(op: Op, point: tuple[float, ...], attrs: dict[str, Any], grad: float = 1.0):
    out = op.forward(*point, **attrs)
    return out, tuple(op.backward(grad, out, *point, **attrs))


def check_arity(op: Op, attrs: dict[str, Any]) -> None:
    """The op registers (its declared arity fits forward and backward) and backward returns
    one real gradient per input."""
    validate_op(op)
    for point in sampling.sample_points(op, 1):
        out, grads = _gradients(op, point, attrs)
        as_float(out, op)
        if len(grads) != op.arity:
            raise ConformanceError(
                f"declared arity {op.arity}, but backward returned {len(grads)} gradients "
                f"at inputs {_shown(point)}"
            )
        for grad in grads:
            as_float(grad, op)


def check_finite_differences(op: Op, attrs: dict[str, Any]) -> None:
    """backward agrees with central differences of forward at several points."""
    for point in sampling.sample_points(op):
        _, grads = _gradients(op, point, attrs)
        for i, grad in enumerate(grads):
            expected = sampling.central_difference(op.forward, point, i, attrs)
            if not math.isclose(grad, expected, **FD_TOLERANCE):
                raise ConformanceError(
                    f"at inputs {_shown(point)}, backward gives {grad!r} for input {i}; "
                    f"central differences give {expected!r}"
                )


def check_chain_rule(op: Op, attrs: dict[str, Any]) -> None:
    """Through the engine, ``out.backward(gradient=g)`` scales every input's gradient by g."""
    for point in sampling.sample_points(op, 2):
        inputs = [Value(x) for x in point]
        apply(op, *inputs, **attrs).backward(gradient=UPSTREAM)
        for i, x in enumerate(inputs):
            expected = UPSTREAM * sampling.central_difference(op.forward, point, i, attrs)
            if not math.isclose(x.grad, expected, **FD_TOLERANCE):
                raise ConformanceError(
                    f"at inputs {_shown(point)} with upstream gradient {UPSTREAM}, input {i} "
                    f"got gradient {x.grad!r}; expected {expected!r} "
                    "(is backward's grad argument multiplied in?)"
                )


def check_reused_input(op: Op, attrs: dict[str, Any]) -> None:
    """``op(x, x)``: the gradients of both uses accumulate into x."""
    for t, *_ in sampling.sample_points(op, 2, diagonal=True):
        x = Value(t)
        apply(op, *[x] * op.arity, **attrs).backward()
        expected = sampling.diagonal_difference(op.forward, t, op.arity, attrs)
        if not math.isclose(x.grad, expected, **FD_TOLERANCE):
            raise ConformanceError(
                f"with every input the same Value({t!r}), its gradient is {x.grad!r}; "
                f"central differences give {expected!r}"
            )


def check_pure_forward(op: Op, attrs: dict[str, Any]) -> None:
    """forward depends on its inputs alone: the same inputs give the same output again."""
    first, second = sampling.sample_points(op, 2)
    before = op.forward(*first, **attrs)
    op.forward(*second, **attrs)
    after = op.forward(*first, **attrs)
    if not _same(before, after):
        raise ConformanceError(
            f"forward{_shown(first)} gave {before!r}, then {after!r} when called again"
        )


def _call_bound(op: Op, inputs: list[Value], attrs: dict[str, Any]) -> Value:
    """Compute ``op`` the way a user writes it: ``x.tanh()``, ``x + y``, ``x ** 2``."""
    if op.name == "pow":  # the exponent attribute is the operand: x ** 2
        return inputs[0] ** attrs["exponent"]
    method_name = OPERATORS.get(op.name, (op.name, None))[0]
    method = getattr(Value, method_name, None)
    if method is None:
        raise ConformanceError(f"Value has no method {method_name!r} after registering the op")
    if op.arity == 2:
        return method(inputs[0], inputs[1])
    return method(*inputs, **attrs)


def check_bound_method(op: Op, attrs: dict[str, Any]) -> None:
    """The method or operator bound to Value computes the op, with its backward."""
    for point in sampling.sample_points(op, 2):
        inputs = [Value(x) for x in point]
        out = _call_bound(op, inputs, attrs)
        expected_out, expected_grads = _gradients(op, point, attrs)
        if out.op is None or out.op.name != op.name or out.children != tuple(inputs):
            raise ConformanceError(
                f"the bound method made a node of op {out.op!r} with inputs {out.children}"
            )
        out.backward()
        got = (out.data, *[x.grad for x in inputs])
        want = (float(expected_out), *expected_grads)
        if not all(_same(a, b) for a, b in zip(got, want)):
            raise ConformanceError(
                f"at inputs {_shown(point)} the bound method gives value and gradients {got}; "
                f"forward and backward give {want}"
            )
        reflected = OPERATORS.get(op.name, (None, None))[1]
        if reflected is not None and op.arity == 2:  # number <op> Value, e.g. 2.0 - x
            right = Value(point[1])
            out = getattr(Value, reflected)(right, point[0])
            out.backward()
            if not (_same(out.data, want[0]) and _same(right.grad, want[2])):
                raise ConformanceError(
                    f"{reflected} gives value {out.data!r} and gradient {right.grad!r} for "
                    f"inputs {_shown(point)}; forward and backward give {want[0]!r}, {want[2]!r}"
                )


def _check_no_exception(op: Op, attrs: dict[str, Any], values: tuple[float, ...]) -> None:
    for point in sampling.special_points(op, values):
        try:
            out, grads = _gradients(op, point, attrs)
            as_float(out, op)
            for grad in grads:
                as_float(grad, op)
        except Exception as err:
            raise ConformanceError(
                f"at inputs {_shown(point)}: {type(err).__name__}: {err} "
                "(return nan or ±inf as IEEE 754 does; neurograd_core.ieee has helpers)"
            ) from err


def check_non_finite(op: Op, attrs: dict[str, Any]) -> None:
    """nan, inf and -inf inputs give a float from forward and backward, never an exception."""
    _check_no_exception(op, attrs, sampling.NON_FINITE)


def check_extreme_values(op: Op, attrs: dict[str, Any]) -> None:
    """0 and ±1e300 inputs (overflow, division by zero) give floats, never an exception."""
    _check_no_exception(op, attrs, sampling.EXTREMES)


def check_torch(op: Op, attrs: dict[str, Any]) -> None:
    """Values and gradients agree with the op's PyTorch equivalent in float64."""
    import torch

    for point in sampling.sample_points(op):
        tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
        reference = op.torch(*tensors, **attrs)
        reference.backward()
        out, grads = _gradients(op, point, attrs)
        want = (reference.item(), *[0.0 if t.grad is None else t.grad.item() for t in tensors])
        got = (out, *grads)
        if not all(math.isclose(a, b, **TORCH_TOLERANCE) or _same(a, b) for a, b in zip(got, want)):
            raise ConformanceError(
                f"at inputs {_shown(point)} value and gradients are {got}; "
                f"PyTorch (float64) gives {want}"
            )


CHECKS: dict[str, Callable[[Op, dict[str, Any]], None]] = {
    "arity": check_arity,
    "finite_differences": check_finite_differences,
    "chain_rule": check_chain_rule,
    "reused_input": check_reused_input,
    "pure_forward": check_pure_forward,
    "bound_method": check_bound_method,
    "non_finite": check_non_finite,
    "extreme_values": check_extreme_values,
    "torch": check_torch,
}


def applies(check: str, op: Op, attrs: dict[str, Any]) -> bool:
    """Whether ``check`` means anything for ``op`` with attributes ``attrs``."""
    if check == "reused_input":
        return op.arity >= 2
    if check == "torch":
        return op.torch is not None
    if check == "bound_method":  # binary methods take no attributes: x.op(y)
        return not (op.arity == 2 and attrs)
    return True
