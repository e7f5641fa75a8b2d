"""The conformance checks: each one a function ``check(op, attrs)`` that raises on a violation.

``CHECKS`` lists them by name; ``applies(name, op, attrs)`` says which apply to
which op. A check added here reaches every plugin that runs the kit. Every
form of the op's one definition is checked: the generic form on floats (the
definition), its fast form, and the same body on numpy arrays, torch tensors
and ``Value``s, to second order.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from neurograd_core.namespaces import array_namespace
from neurograd_core.namespaces.scalar import NAMESPACE as SCALAR
from neurograd_core.namespaces.scalar import Float
from neurograd_core.op import BINARY_OPERATORS, UNARY_OPERATORS, Op
from neurograd_core.testing import sampling
from neurograd_core.value import Value, apply, as_float

FD_TOLERANCE = {"rel_tol": 1e-5, "abs_tol": 1e-6}
SECOND_ORDER_TOLERANCE = {"rel_tol": 1e-4, "abs_tol": 1e-5}
TORCH_TOLERANCE = {"rel_tol": 1e-7, "abs_tol": 1e-9}
ARRAY_ULPS = 1e-13  # libraries' exp, log, sin... may differ from libm's in the last bits
UPSTREAM = -1.75  # the chain-rule check's upstream gradient: not 1, and negative


class ConformanceError(AssertionError):
    """An op broke the op contract; the message names the op, the check and the inputs."""


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _same_bits(a: float, b: float) -> bool:
    """Bit-equal, except that every nan is the same: -0.0 and 0.0 differ."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return _same(a, b)
    return abs(a - b) <= ARRAY_ULPS * max(abs(a), abs(b)) or abs(a - b) < 1e-300


def _shown(point: Sequence[float]) -> str:
    return "(" + ", ".join(repr(x) for x in point) + ")"


def forward_on_floats(op: Op, point: Sequence[float], attrs: dict[str, Any]) -> float:
    """The generic forward on plain floats, as eager mode runs it without a fast form."""
    return float(op.forward(SCALAR, *[Float(x) for x in point], **attrs))


def backward_on_floats(
    op: Op, grad: float, out: float, point: Sequence[float], attrs: dict[str, Any]
) -> tuple[float, ...]:
    floats = [Float(x) for x in point]
    grads = op.backward(SCALAR, Float(grad), Float(out), *floats, **attrs)
    return tuple(as_float(g, op) for g in grads)


def _gradients(
    op: Op, point: Sequence[float], attrs: dict[str, Any], grad: float = 1.0
) -> tuple[float, tuple[float, ...]]:
    out = forward_on_floats(op, point, attrs)
    return out, backward_on_floats(op, grad, out, point, attrs)


def _slope(op: Op, point: tuple[float, ...], index: int, attrs: dict[str, Any]) -> float:
    forward = lambda *xs, **kw: forward_on_floats(op, xs, kw)  # noqa: E731
    return sampling.central_difference(forward, point, index, attrs)


def check_arity(op: Op, attrs: dict[str, Any]) -> None:
    """backward returns one real gradient per input (the arity is forward's)."""
    for point in sampling.sample_points(op, 1):
        out = forward_on_floats(op, point, attrs)
        grads = op.backward(SCALAR, Float(1.0), Float(out), *[Float(x) for x in point], **attrs)
        if len(grads) != len(point):
            raise ConformanceError(
                f"forward takes {len(point)} inputs, but backward returned {len(grads)} "
                f"gradients at inputs {_shown(point)}"
            )
        for grad in grads:
            as_float(grad, op)


def check_finite_differences(op: Op, attrs: dict[str, Any]) -> None:
    """backward agrees with central differences of forward at several points."""
    for point in sampling.sample_points(op):
        _, grads = _gradients(op, point, attrs)
        for i, grad in enumerate(grads):
            expected = _slope(op, point, i, attrs)
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
            expected = UPSTREAM * _slope(op, point, i, attrs)
            if not math.isclose(x.grad, expected, **FD_TOLERANCE):
                raise ConformanceError(
                    f"at inputs {_shown(point)} with upstream gradient {UPSTREAM}, input {i} "
                    f"got gradient {x.grad!r}; expected {expected!r} "
                    "(is backward's grad argument multiplied in?)"
                )


def check_reused_input(op: Op, attrs: dict[str, Any]) -> None:
    """``op(x, x)``: the gradients of both uses accumulate into x."""
    forward = lambda *xs, **kw: forward_on_floats(op, xs, kw)  # noqa: E731
    for t, *rest in sampling.sample_points(op, 2, diagonal=True):
        if not rest:
            continue  # a variadic op's point of one input: nothing to reuse
        x = Value(t)
        apply(op, *[x] * (1 + len(rest)), **attrs).backward()
        expected = sampling.diagonal_difference(forward, t, 1 + len(rest), attrs)
        if not math.isclose(x.grad, expected, **FD_TOLERANCE):
            raise ConformanceError(
                f"with every input the same Value({t!r}), its gradient is {x.grad!r}; "
                f"central differences give {expected!r}"
            )


def check_pure_forward(op: Op, attrs: dict[str, Any]) -> None:
    """forward depends on its inputs alone: the same inputs give the same output again."""
    first, second = sampling.sample_points(op, 2)
    before = forward_on_floats(op, first, attrs)
    forward_on_floats(op, second, attrs)
    after = forward_on_floats(op, first, attrs)
    if not _same(before, after):
        raise ConformanceError(
            f"forward{_shown(first)} gave {before!r}, then {after!r} when called again"
        )


def _call_bound(op: Op, inputs: list[Value], attrs: dict[str, Any]) -> Value:
    """Compute ``op`` the way a user writes it: ``x.tanh()``, ``x + y``, ``x ** 2``."""
    if op.arity == 1 and op.required_attrs:
        by_operand = [m for m in op.operators if m in BINARY_OPERATORS]
        if by_operand:  # the attribute is the operand: x ** 2
            return getattr(Value, by_operand[0])(inputs[0], attrs[op.required_attrs[0]])
    method = getattr(Value, op.name, None)
    if method is None:
        raise ConformanceError(f"Value has no method {op.name!r} after registering the op")
    if op.arity == 2:
        return method(inputs[0], inputs[1])
    return method(*inputs, **attrs)


def _check_node(op: Op, out: Value, inputs: list[Value], how: str) -> None:
    if out.op is None or out.op.name != op.name or out.children != tuple(inputs):
        raise ConformanceError(f"{how} made a node of op {out.op!r} with inputs {out.children}")


def check_bound_method(op: Op, attrs: dict[str, Any]) -> None:
    """The method, and every operator the op backs, compute the op, with its backward."""
    for point in sampling.sample_points(op, 2):
        expected_out, expected_grads = _gradients(op, point, attrs)
        want = (expected_out, *expected_grads)
        inputs = [Value(x) for x in point]
        out = _call_bound(op, inputs, attrs)
        _check_node(op, out, inputs, "the bound method")
        out.backward()
        got = (out.data, *[x.grad for x in inputs])
        if not all(_same(a, b) for a, b in zip(got, want)):
            raise ConformanceError(
                f"at inputs {_shown(point)} the bound method gives value and gradients {got}; "
                f"forward and backward give {want}"
            )
        for method in op.operators:
            inputs = [Value(x) for x in point]
            if method in UNARY_OPERATORS:
                out = getattr(Value, method)(inputs[0])
            elif op.arity == 1:  # the operand is the attribute
                out = getattr(Value, method)(inputs[0], attrs[op.required_attrs[0]])
            elif method in BINARY_OPERATORS:
                out = getattr(Value, method)(inputs[0], inputs[1])
            else:  # reflected: number <op> Value
                inputs[0] = Value(point[0])
                out = getattr(Value, method)(inputs[1], point[0])
                inputs[0] = out.children[0]
            _check_node(op, out, inputs, method)
            out.backward()
            got = (out.data, *[x.grad for x in inputs])
            if not all(_same(a, b) for a, b in zip(got, want)):
                raise ConformanceError(
                    f"{method} gives value and gradients {got} at inputs {_shown(point)}; "
                    f"forward and backward give {want}"
                )


def _check_no_exception(op: Op, attrs: dict[str, Any], values: tuple[float, ...]) -> None:
    for point in sampling.special_points(op, values):
        try:
            _gradients(op, point, attrs)
            if op.fast_forward is not None or op.fast_backward is not None:
                out = as_float(op.eager_forward(*point, **attrs), op)
                for grad in op.eager_backward(1.0, out, *point, **attrs):
                    as_float(grad, op)
        except Exception as err:
            raise ConformanceError(
                f"at inputs {_shown(point)}: {type(err).__name__}: {err} "
                "(return nan or ±inf as IEEE 754 does)"
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

    equivalent = op.torch
    if equivalent is None:  # applies() offers this check only to ops that declare one
        raise ValueError(f"op {op.name!r} declares no PyTorch equivalent (Op(..., torch=...))")
    for point in sampling.sample_points(op):
        tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
        reference = equivalent(*tensors, **attrs)
        reference.backward()
        out, grads = _gradients(op, point, attrs)
        want = (reference.item(), *[0.0 if t.grad is None else t.grad.item() for t in tensors])
        got = (out, *grads)
        if not all(math.isclose(a, b, **TORCH_TOLERANCE) or _same(a, b) for a, b in zip(got, want)):
            raise ConformanceError(
                f"at inputs {_shown(point)} value and gradients are {got}; "
                f"PyTorch (float64) gives {want}"
            )


def check_fast_form(op: Op, attrs: dict[str, Any]) -> None:
    """The fast form gives the generic form's values and gradients, bit for bit, on the
    special-value grid (±0, ±inf, nan, subnormals, ±1e308, ordinary values)."""
    for point in sampling.grid_points(op):
        out = forward_on_floats(op, point, attrs)
        if op.fast_forward is not None:
            fast = as_float(op.fast_forward(*point, **attrs), op)
            if not _same_bits(fast, out):
                raise ConformanceError(
                    f"at inputs {_shown(point)} fast_forward gives {fast!r}, "
                    f"the generic forward {out!r}"
                )
        if op.fast_backward is None:
            continue
        for grad in (1.0, UPSTREAM):
            want = backward_on_floats(op, grad, out, point, attrs)
            got = tuple(as_float(g, op) for g in op.fast_backward(grad, out, *point, **attrs))
            if len(got) != len(want) or not all(_same_bits(a, b) for a, b in zip(got, want)):
                raise ConformanceError(
                    f"at inputs {_shown(point)} with upstream gradient {grad}, fast_backward "
                    f"gives {got}, the generic backward {want}"
                )


def _on_arrays(
    op: Op, attrs: dict[str, Any], backend: str, to_array: Callable[..., Any], quiet: Any
) -> None:
    """The generic form on whole arrays equals the generic form on each element's floats."""
    every_point = sampling.grid_points(op) + sampling.sample_points(op)
    for n in sorted({len(point) for point in every_point}):  # a variadic op: one run per count
        points = [point for point in every_point if len(point) == n]
        _on_arrays_of(op, attrs, backend, to_array, quiet, points)


def _on_arrays_of(
    op: Op,
    attrs: dict[str, Any],
    backend: str,
    to_array: Callable[..., Any],
    quiet: Callable[[], Any],
    points: list[tuple[float, ...]],
) -> None:
    n = len(points[0])
    columns = [[point[k] for point in points] for k in range(n)]
    grad = [UPSTREAM if j % 2 else 1.0 for j in range(len(points))]
    xp = array_namespace(backend)
    arrays = [to_array(column) for column in columns]
    try:
        with quiet():
            out = op.forward(xp, *arrays, **attrs)
            grads = op.backward(xp, to_array(grad), out, *arrays, **attrs)
            results = [
                xp.broadcast_to(xp.asarray(r, dtype=xp.float64), (len(points),))
                for r in (out, *grads)
            ]
    except Exception as err:
        raise ConformanceError(
            f"the generic form does not run on {backend} arrays: {type(err).__name__}: {err} "
            "(a Python `if` on an input? write the branch with xp.where)"
        ) from err
    if len(grads) != n:
        raise ConformanceError(
            f"backward returned {len(grads)} gradients for {n} inputs on {backend} arrays"
        )
    rows = [[float(x) for x in result.tolist()] for result in results]
    for j, point in enumerate(points):
        want_out = forward_on_floats(op, point, attrs)
        want = (want_out, *backward_on_floats(op, grad[j], want_out, point, attrs))
        got = tuple(row[j] for row in rows)
        if not all(_close(a, b) for a, b in zip(got, want)):
            raise ConformanceError(
                f"on {backend} arrays, at inputs {_shown(point)} with upstream gradient "
                f"{grad[j]}, value and gradients are {got}; on floats {want}"
            )


def check_numpy_arrays(op: Op, attrs: dict[str, Any]) -> None:
    """The one definition runs on numpy arrays and agrees with floats element by element."""
    import numpy as np

    _on_arrays(
        op,
        attrs,
        "numpy",
        lambda c: np.asarray(c, dtype=np.float64),
        lambda: np.errstate(all="ignore"),
    )


def check_torch_tensors(op: Op, attrs: dict[str, Any]) -> None:
    """The one definition runs on torch float64 tensors and agrees with floats."""
    import contextlib

    import torch

    _on_arrays(
        op, attrs, "torch", lambda c: torch.tensor(c, dtype=torch.float64), contextlib.nullcontext
    )


def _values_namespace() -> Any:
    from neurograd_core.namespaces.values import NAMESPACE

    return NAMESPACE


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else as_float(x)


def check_values(op: Op, attrs: dict[str, Any]) -> None:
    """The one definition runs on Values (the Value namespace) and gives the floats' results."""
    xp = _values_namespace()
    for point in sampling.sample_points(op, 2):
        inputs = [Value(x) for x in point]
        try:
            out = op.forward(xp, *inputs, **attrs)
            grads = op.backward(xp, Value(UPSTREAM), out, *inputs, **attrs)
            got = (_data(out), *[_data(g) for g in grads])
        except Exception as err:
            raise ConformanceError(
                f"the generic form does not run on Values at inputs {_shown(point)}: "
                f"{type(err).__name__}: {err}"
            ) from err
        if len(grads) != len(point):
            raise ConformanceError(
                f"backward returned {len(grads)} gradients for {len(point)} inputs on Values"
            )
        want_out = forward_on_floats(op, point, attrs)
        want = (want_out, *backward_on_floats(op, UPSTREAM, want_out, point, attrs))
        if not all(
            math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) or _same(a, b)
            for a, b in zip(got, want)
        ):
            raise ConformanceError(
                f"on Values, at inputs {_shown(point)}, value and gradients are {got}; "
                f"on floats {want}"
            )


def check_second_order(op: Op, attrs: dict[str, Any]) -> None:
    """The backward, run on Values, is itself differentiable: d(grad_i)/d(x_j) through the
    engine equals central differences of the first derivative."""
    xp = _values_namespace()
    for point in sampling.sample_points(op, 2):
        for i in range(len(point)):
            inputs = [Value(x) for x in point]
            out = apply(op, *inputs, **attrs)
            first = op.backward(xp, Value(1.0), out, *inputs, **attrs)[i]
            if isinstance(first, Value):
                first.backward()
            for j, x in enumerate(inputs):
                h = sampling.STEP * max(1.0, abs(point[j]))
                up = point[:j] + (point[j] + h,) + point[j + 1 :]
                down = point[:j] + (point[j] - h,) + point[j + 1 :]
                slope_up = _gradients(op, up, attrs)[1][i]
                slope_down = _gradients(op, down, attrs)[1][i]
                expected = (slope_up - slope_down) / (2 * h)
                if not math.isclose(x.grad, expected, **SECOND_ORDER_TOLERANCE):
                    raise ConformanceError(
                        f"at inputs {_shown(point)}, d(gradient {i})/d(input {j}) is "
                        f"{x.grad!r} through the engine; central differences of backward "
                        f"give {expected!r}"
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
    "fast_form": check_fast_form,
    "numpy_arrays": check_numpy_arrays,
    "torch_tensors": check_torch_tensors,
    "values": check_values,
    "second_order": check_second_order,
}


def _has_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def applies(check: str, op: Op, attrs: Mapping[str, Any]) -> bool:
    """Whether ``check`` means anything for ``op`` with attributes ``attrs``."""
    if check == "reused_input":
        return op.arity is None or op.arity >= 2
    if check == "torch":
        return op.torch is not None
    if check == "torch_tensors":
        return _has_torch()
    if check == "fast_form":
        return op.fast_forward is not None or op.fast_backward is not None
    if check == "bound_method":  # binary methods take no attributes: x.op(y)
        return not (op.arity == 2 and attrs)
    return True
