"""Gradients as values: ``grad()`` and, built on it, Jacobians, Hessians and their products.

``backward()`` adds gradients into ``.grad``; ``grad()`` returns them and leaves
every ``.grad`` alone, as ``torch.autograd.grad`` does. With ``create_graph=True``
each op's backward runs on Values, through the op contract's Value namespace,
so the gradients it returns are graphs too and can be differentiated again, to
any order. That holds for every op written to the contract, a third party's
included, with no extra code from its author.

The helpers take numbers and a function of Values, as ``torch.autograd.functional``
takes tensors and a function of tensors, and return floats:

    hessian(lambda x, y: x * x * y, [1.0, 2.0])     # [[4.0, 2.0], [2.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from neurograd_core.errors import BackwardError
from neurograd_core.modes import record_comparisons, state
from neurograd_core.value import Value, _backward_error, _describe, as_float

Gradient = Value | None  # None: an unused input, with allow_unused=True


def _values(given: Any, what: str) -> list[Value]:
    """``given`` as a list of Values: one Value, or a flat sequence of them."""
    if isinstance(given, Value):
        return [given]
    if isinstance(given, (list, tuple)) and given:
        for i, value in enumerate(given):
            if not isinstance(value, Value):
                raise TypeError(
                    f"{what}[{i}] is {type(value).__name__}; grad() takes a Value or a flat "
                    "list of Values"
                )
        return list(given)
    raise TypeError(
        f"{what} is {type(given).__name__}; grad() takes a Value or a non-empty flat list of Values"
    )


def _seeds(grad_outputs: Any, roots: list[Value], create_graph: bool) -> list[Any]:
    if grad_outputs is None:
        return [Value(1.0) if create_graph else 1.0 for _ in roots]
    seeds = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    if len(seeds) != len(roots):
        raise ValueError(
            f"grad_outputs has {len(seeds)} entries and outputs has {len(roots)}: "
            "give one upstream gradient per output"
        )
    converted = []
    for i, seed in enumerate(seeds):
        if isinstance(seed, Value):
            converted.append(seed if create_graph else seed.data)
            continue
        try:
            number = as_float(seed)
        except TypeError:
            raise TypeError(
                f"grad_outputs[{i}] is {type(seed).__name__}; expected a number or a Value"
            ) from None
        converted.append(Value(number) if create_graph else number)
    return converted


_UNREACHED = object()
_EXIT = object()  # stack marker: the node below it has had all its inputs ordered


def _order(roots: list[Value], empty: Any) -> tuple[list[Value], dict[Value, Any]]:
    """Every node below ``roots``, each after all of its inputs, and a gradient slot for
    each, holding ``empty``. An explicit stack, so depth is limited by memory, not
    recursion."""
    order: list[Value] = []
    grads: dict[Value, Any] = {}  # also the visited set
    stack: list[Any] = list(roots)
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _EXIT:
            order.append(pop())
        elif node not in grads:
            grads[node] = empty
            push(node)
            push(_EXIT)
            if node._first is not None:
                push(node._first)
                if node._second is not None:
                    push(node._second)
                    if node._made_by.arity != 2:  # three or more inputs, maybe
                        stack.extend(node._rest)
    return order, grads


def _float_gradients(order: list[Value], grads: dict[Value, float]) -> dict[Value, float]:
    """The chain rule on floats, with each op's eager backward, into ``grads`` (every
    node's slot, the roots' holding their seeds) rather than into ``.grad``."""
    node, out = order[-1], None
    try:
        for node in reversed(order):
            first = node._first
            if first is None:
                continue
            second = node._second
            op = node._made_by
            if second is None:
                out = op.backward_call(grads[node], node.data, first.data)
                (g,) = out
                grads[first] += g
            elif op.arity == 2:
                out = op.backward_call(grads[node], node.data, first.data, second.data)
                g1, g2 = out
                grads[first] += g1
                grads[second] += g2
            else:
                children = node.children
                out = op.backward_call(grads[node], node.data, *[c.data for c in children])
                if len(out) != len(children):
                    raise ValueError("wrong number of gradients")
                for child, g in zip(children, out):
                    grads[child] += g
    except BackwardError:
        raise
    except Exception as err:
        raise _backward_error(node, out, err) from err
    return grads


def _value_gradients(order: list[Value], grads: dict[Value, Any]) -> dict[Value, Any]:
    """The chain rule on Values: each op's backward runs in the Value namespace, so every
    gradient it returns is a graph that can be differentiated again. A slot still
    holding None received nothing, and passes nothing on."""
    from neurograd_core.namespaces.values import NAMESPACE as xp

    record = state.branches_recorded
    for node in reversed(order):
        upstream = grads[node]
        if upstream is None or node._first is None:
            continue  # (a number here is a zero an op returned: nothing flows from it)
        if not isinstance(upstream, Value) and upstream == 0.0:
            continue
        op, children = node._made_by, node.children
        try:
            if record:  # comparisons become nodes too, so the graph is the data's for none
                record_comparisons(True)
            out = op.backward(xp, upstream, node, *children, **op.attrs)
        except Exception as err:
            raise BackwardError(
                f"backward of op {_describe(op)} does not run on Values, so its gradient "
                f"cannot be differentiated again: {err!r}. An op written over xp "
                "(forward(xp, ...), backward(xp, ...)) gets this for free."
            ) from err
        finally:
            if record:
                record_comparisons(False)
        if len(out) != len(children):
            raise BackwardError(
                f"backward of op {_describe(op)} returned {len(out)} gradients for "
                f"{len(children)} inputs"
            )
        for child, g in zip(children, out):
            previous = grads[child]
            grads[child] = g if previous is None else previous + g
    return grads


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Gradient, ...]:
    """d(sum of grad_outputs * outputs)/d(input), one entry per input; ``.grad`` is untouched.

    As ``torch.autograd.grad``: ``outputs`` and ``inputs`` are a Value or a flat list
    of Values (inputs must be leaves), ``grad_outputs`` one upstream gradient per
    output (1.0 each by default). With ``create_graph=True`` the gradients carry
    the graph of their computation. An input the outputs do not depend on is an
    error, or ``None`` with ``allow_unused=True``.
    """
    roots = _values(outputs, "outputs")
    leaves = _values(inputs, "inputs")
    for i, leaf in enumerate(leaves):
        if leaf.children:
            raise ValueError(
                f"inputs[{i}] ({leaf!r}) was computed from other Values; grad() "
                "differentiates with respect to leaves (Values you created)"
            )
    seeds = _seeds(grad_outputs, roots, create_graph)
    order, grads = _order(roots, None if create_graph else 0.0)
    for root, seed in zip(roots, seeds):
        previous = grads[root]
        grads[root] = seed if previous is None else previous + seed
    if create_graph:
        grads = _value_gradients(order, grads)
    else:
        grads = _float_gradients(order, grads)
    result: list[Gradient] = []
    for i, leaf in enumerate(leaves):
        g = grads.get(leaf, _UNREACHED)
        if g is _UNREACHED:
            if not allow_unused:
                raise ValueError(
                    f"inputs[{i}] ({leaf!r}) is not used to compute the outputs; pass "
                    "allow_unused=True to get None for it"
                )
            result.append(None)
        else:  # None: reached, but only through gradients that were not Values
            result.append(g if isinstance(g, Value) else Value(0.0 if g is None else g))
    return tuple(result)


# --- torch.autograd.functional's helpers, on numbers -----------------------------------


def _inputs(inputs: Any) -> tuple[list[Value], bool]:
    """Fresh leaves for ``inputs`` (a number, or a sequence of numbers), and whether it was
    one number."""
    if isinstance(inputs, (list, tuple)):
        if not inputs:
            raise ValueError("inputs is empty: give at least one number")
        return [Value(_number(x, f"inputs[{i}]")) for i, x in enumerate(inputs)], False
    return [Value(_number(inputs, "inputs"))], True


def _number(x: Any, what: str) -> float:
    if isinstance(x, Value):
        return x.data
    try:
        return as_float(x)
    except TypeError:
        raise TypeError(f"{what} is {type(x).__name__}; expected a number") from None


def _outputs(result: Any) -> tuple[list[Value], bool]:
    if isinstance(result, Value):
        return [result], True
    if isinstance(result, (list, tuple)) and result and all(isinstance(r, Value) for r in result):
        return list(result), False
    raise TypeError(
        f"the function returned {type(result).__name__}; expected a Value or a flat list of Values"
    )


def _scalar_output(func: Callable[..., Any], leaves: list[Value]) -> Value:
    out, single = _outputs(func(*leaves))
    if not single:
        raise TypeError("the function must return one Value (a scalar) here")
    return out[0]


def _floats(gradients: Sequence[Gradient]) -> list[float]:
    return [0.0 if g is None else g.data for g in gradients]


def _vector(v: Any, n: int, what: str) -> list[float]:
    if v is None:
        if n != 1:
            raise ValueError(f"{what} is needed: there are {n} entries to weight")
        return [1.0]
    values = list(v) if isinstance(v, (list, tuple)) else [v]
    if len(values) != n:
        raise ValueError(f"{what} has {len(values)} entries; expected {n}")
    return [_number(x, f"{what}[{i}]") for i, x in enumerate(values)]


def _shaped(rows: list[list[float]], single_out: bool, single_in: bool) -> Any:
    """rows[output][input], with a dimension dropped for a single Value or number, as torch
    shapes its results."""
    if single_in:
        rows = [row[0] for row in rows]  # type: ignore[misc]
    return rows[0] if single_out else rows


def jacobian(func: Callable[..., Any], inputs: Any) -> Any:
    """d(outputs)/d(inputs) as nested lists of floats: ``[output][input]``."""
    leaves, single_in = _inputs(inputs)
    outs, single_out = _outputs(func(*leaves))
    rows = [_floats(grad(out, leaves, allow_unused=True)) for out in outs]
    return _shaped(rows, single_out, single_in)


def hessian(func: Callable[..., Any], inputs: Any) -> Any:
    """The second derivatives of a function with one output, as nested lists of floats."""
    leaves, single_in = _inputs(inputs)
    out = _scalar_output(func, leaves)
    first = grad(out, leaves, create_graph=True, allow_unused=True)
    rows = []
    for g in first:
        row = [0.0] * len(leaves) if g is None else _floats(grad(g, leaves, allow_unused=True))
        rows.append(row)
    return _shaped(rows, single_in, single_in)


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None) -> tuple[float, Any]:
    """(func's value, the Hessian times ``v``), with two backward passes, never forming the
    Hessian: the gradient of ``grad(func) · v``."""
    leaves, single_in = _inputs(inputs)
    weights = _vector(v, len(leaves), "v")
    out = _scalar_output(func, leaves)
    first = [g for g in grad(out, leaves, create_graph=True, allow_unused=True)]
    used = [(g, w) for g, w in zip(first, weights) if g is not None]
    if not used:
        product = [0.0] * len(leaves)
    else:
        weighted = sum((g * w for g, w in used[1:]), used[0][0] * used[0][1])
        product = _floats(grad(weighted, leaves, allow_unused=True))
    return out.data, product[0] if single_in else product


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None) -> tuple[Any, Any]:
    """(func's outputs, ``v`` times the Jacobian): one backward pass."""
    leaves, single_in = _inputs(inputs)
    outs, single_out = _outputs(func(*leaves))
    weights = _vector(v, len(outs), "v")
    product = _floats(grad(outs, leaves, weights, allow_unused=True))
    values = [o.data for o in outs]
    return (values[0] if single_out else values), (product[0] if single_in else product)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None) -> tuple[Any, Any]:
    """(func's outputs, the Jacobian times ``v``): forward mode by the double-backward
    construction. ``u ↦ Jᵀu`` is linear in ``u``, so its gradient with respect to ``u``,
    weighted by ``v``, is ``J v``."""
    leaves, single_in = _inputs(inputs)
    weights = _vector(v, len(leaves), "v")
    outs, single_out = _outputs(func(*leaves))
    dummies = [Value(0.0) for _ in outs]
    transposed = grad(outs, leaves, dummies, create_graph=True, allow_unused=True)
    used = [(g, w) for g, w in zip(transposed, weights) if g is not None]
    if not used:
        product = [0.0] * len(outs)
    else:
        weighted = sum((g * w for g, w in used[1:]), used[0][0] * used[0][1])
        product = _floats(grad(weighted, dummies, allow_unused=True))
    values = [o.data for o in outs]
    return (values[0] if single_out else values), (product[0] if single_out else product)
