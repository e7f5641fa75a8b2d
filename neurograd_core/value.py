"""``Value``: one float in the graph, and ``backward()`` over the graph below it.

A node keeps its inputs as an ordered tuple and the ``Op`` that made it; there
is no closure per node, so a graph holds no reference cycles and is freed by
reference counting alone.  ``backward()`` orders the graph with an explicit
stack, so depth is limited by memory, not by Python's recursion limit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from neurograd_core.errors import AnomalyError, BackwardError, NeurogradError
from neurograd_core.modes import state

if TYPE_CHECKING:
    from neurograd_core.op import Op


def as_float(data: Any, op: Op | None = None) -> float:
    """``data`` as a Python float, or a ``TypeError`` naming what it was."""
    if type(data) is float:
        return data
    if isinstance(data, (bool, int, float)):
        return float(data)
    # numpy scalars and 0-d arrays of a real dtype (numpy itself is not imported)
    dtype = getattr(data, "dtype", None)
    if getattr(data, "ndim", None) == 0 and getattr(dtype, "kind", "") in "biuf":
        return float(data)
    if dtype is not None and getattr(data, "ndim", 0) > 0:
        what = f"a numpy array of shape {tuple(data.shape)}"
    else:
        what = type(data).__name__
    source = f"op {op.name!r} returned" if op is not None else "Value() takes a real number, got"
    raise TypeError(
        f"{source} {what}; a Value holds one float (ints, bools, numpy scalars convert)"
    )


class Value:
    """A scalar in a computation graph: its ``data``, its ``grad``, and how it was made."""

    __slots__ = ("data", "grad", "label", "_children", "_op")
    __array_ufunc__ = None  # numpy defers to Value's reflected operators

    def __init__(
        self,
        data: Any,
        _children: tuple[Value, ...] = (),
        _op: Op | None = None,
        label: str = "",
    ) -> None:
        self.data = data if type(data) is float else as_float(data, _op)
        self.grad = 0.0
        self.label = label
        self._children = _children
        self._op = _op

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    @property
    def children(self) -> tuple[Value, ...]:
        """The inputs this value was computed from, in argument order."""
        return self._children

    @property
    def op(self) -> Op | None:
        """The op that produced this value, or None for a leaf."""
        return self._op

    def backward(self, gradient: float = 1.0) -> None:
        """Add d(self)/d(node) * ``gradient`` to the ``.grad`` of every node below self.

        Gradients accumulate across calls, as in PyTorch. If an op's backward
        fails, every ``.grad`` is left as it was.
        """
        order = topological_order(self)
        # This pass's gradients are summed in .grad itself, starting from zero;
        # what was there before is added back at the end (or restored on failure).
        previous = [node.grad for node in order]
        for node in order:
            node.grad = 0.0
        self.grad = as_float(gradient)
        try:
            _propagate(order)
        except BaseException:
            for node, grad in zip(order, previous):
                node.grad = grad
            raise
        for node, grad in zip(order, previous):
            node.grad += grad


_EXIT = object()  # stack marker: the node below it has had all its inputs ordered


def topological_order(root: Value) -> list[Value]:
    """Every node below ``root``, each after all of its inputs (iterative depth-first search).

    A node is marked visited when it is entered; in a DAG a visited node that is
    reached again has always been fully ordered already.
    """
    order: list[Value] = []
    visited = set()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _EXIT:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(_EXIT)
            stack.extend(node._children)
    return order


def _propagate(order: list[Value]) -> None:
    """The chain rule, from the last node of ``order`` (the root, whose .grad is the seed) down."""
    check_finite = state.anomaly
    node = order[-1]
    try:
        for node in reversed(order):
            children = node._children
            if not children:
                continue
            op = node._op
            n = len(children)
            if n == 2:
                grads = op.backward_call(node.grad, node.data, children[0].data, children[1].data)
            elif n == 1:
                grads = op.backward_call(node.grad, node.data, children[0].data)
            else:
                grads = op.backward_call(node.grad, node.data, *[c.data for c in children])
            if len(grads) != n:
                raise BackwardError(
                    f"backward of op {_describe(op)} returned {len(grads)} gradients for {n} inputs"
                )
            if check_finite:
                _check_gradients(op, grads)
            for child, grad in zip(children, grads):
                child.grad += grad
    except NeurogradError:
        raise
    except Exception as err:
        raise BackwardError(f"backward of op {_describe(node._op)} failed: {err!r}") from err


def _describe(op: Op) -> str:
    """The op's name, and the plugin that registered it when that is not Neurograd itself."""
    from neurograd_core.registry import registry

    provider = registry.provider_of(op.name)
    return f"{op.name!r}" if provider is None else f"{op.name!r} (from plugin {provider!r})"


def _check_gradients(op: Op, grads: tuple[float, ...]) -> None:
    for i, grad in enumerate(grads):
        if not math.isfinite(grad):
            raise AnomalyError(f"backward of op {_describe(op)} gave gradient {grad} for input {i}")


def apply(op: Op, *inputs: Any, **attrs: Any) -> Value:
    """Compute ``op`` on ``inputs`` (Values or numbers), honouring the modes in ``modes``.

    The general path behind every bound method; the methods skip it when no
    attributes are given and neither mode is on.
    """
    children = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
    out = as_float(op.forward(*[c.data for c in children], **attrs), op)
    if state.anomaly and not math.isfinite(out):
        shown = ", ".join(repr(c.data) for c in children)
        raise AnomalyError(f"op {_describe(op)} gave {out} for inputs ({shown})")
    if not state.grad_enabled:
        return Value(out, (), None)
    return Value(out, children, op.with_attrs(attrs) if attrs else op)
