"""``Value``: one float in the graph, and ``backward()`` over the graph below it.

A node keeps its inputs as an ordered tuple and the ``Op`` that made it; there
is no closure per node, so a graph holds no reference cycles and is freed by
reference counting alone.  ``backward()`` walks the graph with explicit stacks,
so depth is limited by memory, not by Python's recursion limit.
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
        fails, no ``.grad`` has been changed.
        """
        upstream = _gradients(self, as_float(gradient))
        for node, grad in upstream.items():
            node.grad += grad


def _count_consumers(root: Value) -> dict[Value, int]:
    """How many times each node below ``root`` is used as an input."""
    consumers = {root: 0}
    stack = [root]
    while stack:
        for child in stack.pop()._children:
            if child in consumers:
                consumers[child] += 1
            else:
                consumers[child] = 1
                stack.append(child)
    return consumers


def _gradients(root: Value, seed: float) -> dict[Value, float]:
    """d(root)/d(node) * seed for every node, in reverse topological order.

    A node is processed once all of its consumers have passed their gradient
    to it (Kahn's algorithm), so its gradient is complete when it is read.
    """
    consumers = _count_consumers(root)
    upstream = {root: seed}
    ready = [root]
    check_finite = state.anomaly
    node = root
    try:
        while ready:
            node = ready.pop()
            children = node._children
            if not children:
                continue
            op = node._op
            grads = op.backward(upstream[node], node.data, *[c.data for c in children], **op.attrs)
            if len(grads) != len(children):
                raise BackwardError(
                    f"backward of op {_describe(op)} returned {len(grads)} gradients "
                    f"for {len(children)} inputs"
                )
            if check_finite:
                _check_gradients(op, grads)
            for child, grad in zip(children, grads):
                upstream[child] = upstream.get(child, 0.0) + grad
                left = consumers[child] - 1
                consumers[child] = left
                if not left:
                    ready.append(child)
    except NeurogradError:
        raise
    except Exception as err:
        raise BackwardError(f"backward of op {_describe(node._op)} failed: {err!r}") from err
    return upstream


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
