"""``Value``: one float in the graph, and ``backward()`` over the graph below it.

A node keeps the ``Op`` that made it and its inputs in argument order (the
``children`` tuple); there is no closure per node, so a graph holds no reference
cycles and is freed by reference counting alone. ``backward()`` orders the graph
with an explicit stack, so depth is limited by memory, not by the recursion limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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


# Set by plugin loading (``plugins.finish_loading``): loads the plugins whose module was
# still being imported when plugins loaded. A missing attribute may be one of their ops.
late_plugins: Callable[[], bool] | None = None


def _compared(other: Any) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, (int, float)):
        return other
    raise TypeError(f"a Value compares with a Value or a real number, not {type(other).__name__}")


class Value:
    """A scalar in a computation graph: its ``data``, its ``grad``, and how it was made."""

    # The inputs: _first and _second (None where absent), then any others in _rest.
    # Slots rather than a tuple per node: a second object per node doubled the work
    # of Python's cyclic garbage collector, about a third of a training step
    # (bench/engine.py). ``children`` gives them as a tuple.
    __slots__ = ("data", "grad", "label", "_op", "_first", "_second", "_rest")
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
        self._op = _op
        n = len(_children)
        self._first = _children[0] if n else None
        self._second = _children[1] if n > 1 else None
        self._rest = _children[2:] if n > 2 else ()

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # Comparisons read .data and give a bool, as a branch in PyTorch does (it is not
    # differentiated). == and hashing stay identity: the engine keys dicts by node.
    def __lt__(self, other: Any) -> bool:
        return self.data < _compared(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _compared(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _compared(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _compared(other)

    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> Any:
        # Only reached when ordinary lookup fails, so never on the hot path.
        if not name.startswith("__") and late_plugins is not None and late_plugins():
            return getattr(self, name)
        raise AttributeError(f"'Value' object has no attribute {name!r}")

    @property
    def children(self) -> tuple[Value, ...]:
        """The inputs this value was computed from, in argument order (``x * x`` has two)."""
        if self._first is None:
            return ()
        if self._second is None:
            return (self._first,)
        return (self._first, self._second, *self._rest)

    @property
    def op(self) -> Op | None:
        """The op that produced this value, or None for a leaf."""
        return self._op

    def backward(self, gradient: float = 1.0) -> None:
        """Add d(self)/d(node) * ``gradient`` to the ``.grad`` of every node below self.

        Gradients accumulate across calls, as in PyTorch. If an op's backward
        fails, every ``.grad`` is left as it was.
        """
        seed = as_float(gradient)
        order, previous = _order_and_set_aside(self)
        self.grad = seed
        try:
            _propagate(order)
        except BaseException:
            for node, grad in previous.items():
                node.grad = grad
            raise
        for node, grad in previous.items():
            if grad:  # most nodes are new, with nothing to add back
                node.grad += grad

    # In a notebook cell: a table of data, grad and op (neurograd_core/notebook.py).
    def _repr_html_(self) -> str:
        from neurograd_core.notebook import value_html

        return value_html(self)

    # Operators and op methods are bound from the op registry at run time
    # (neurograd_core/binding.py); the block below only tells type checkers about
    # the bundled ones. tests/core/test_typing.py keeps it in step with the registry.
    # --- op declarations for type checkers, written by tools/declare_ops.py ---
    if TYPE_CHECKING:

        def __abs__(self) -> Value: ...
        def __add__(self, other: Value | float) -> Value: ...
        def __mod__(self, other: Value | float) -> Value: ...
        def __mul__(self, other: Value | float) -> Value: ...
        def __neg__(self) -> Value: ...
        def __pow__(self, other: Value | float) -> Value: ...
        def __radd__(self, other: float) -> Value: ...
        def __rmod__(self, other: float) -> Value: ...
        def __rmul__(self, other: float) -> Value: ...
        def __rpow__(self, other: float) -> Value: ...
        def __rsub__(self, other: float) -> Value: ...
        def __rtruediv__(self, other: float) -> Value: ...
        def __sub__(self, other: Value | float) -> Value: ...
        def __truediv__(self, other: Value | float) -> Value: ...
        def abs(self) -> Value: ...
        def acos(self) -> Value: ...
        def acosh(self) -> Value: ...
        def add(self, other: Value | float) -> Value: ...
        def asin(self) -> Value: ...
        def asinh(self) -> Value: ...
        def atan(self) -> Value: ...
        def atan2(self, other: Value | float) -> Value: ...
        def atanh(self) -> Value: ...
        def ceil(self) -> Value: ...
        def celu(self, *, alpha: float = 1.0) -> Value: ...
        def clamp(self, *, min: float | None = None, max: float | None = None) -> Value: ...
        def cos(self) -> Value: ...
        def cosh(self) -> Value: ...
        def div(self, other: Value | float) -> Value: ...
        def dot(self, *others: Value | float) -> Value: ...
        def elu(self, *, alpha: float = 1.0) -> Value: ...
        def erf(self) -> Value: ...
        def erfc(self) -> Value: ...
        def exp(self) -> Value: ...
        def exp2(self) -> Value: ...
        def expm1(self) -> Value: ...
        def floor(self) -> Value: ...
        def fmod(self, other: Value | float) -> Value: ...
        def gelu(self, *, approximate: str = "none") -> Value: ...
        def hardsigmoid(self) -> Value: ...
        def hardswish(self) -> Value: ...
        def hardtanh(self, *, min_val: float = -1.0, max_val: float = 1.0) -> Value: ...
        def hypot(self, other: Value | float) -> Value: ...
        def leaky_relu(self, *, negative_slope: float = 0.01) -> Value: ...
        def log(self) -> Value: ...
        def log10(self) -> Value: ...
        def log1p(self) -> Value: ...
        def log2(self) -> Value: ...
        def logsigmoid(self) -> Value: ...
        def logsumexp(self, *others: Value | float) -> Value: ...
        def maximum(self, other: Value | float) -> Value: ...
        def mean(self, *others: Value | float) -> Value: ...
        def minimum(self, other: Value | float) -> Value: ...
        def mish(self) -> Value: ...
        def mul(self, other: Value | float) -> Value: ...
        def neg(self) -> Value: ...
        def pow(self, *, exponent: float) -> Value: ...
        def power(self, other: Value | float) -> Value: ...
        def relu(self) -> Value: ...
        def relu6(self) -> Value: ...
        def remainder(self, other: Value | float) -> Value: ...
        def round(self) -> Value: ...
        def selu(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def sign(self) -> Value: ...
        def silu(self) -> Value: ...
        def sin(self) -> Value: ...
        def sinc(self) -> Value: ...
        def sinh(self) -> Value: ...
        def softplus(self) -> Value: ...
        def softsign(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def sub(self, other: Value | float) -> Value: ...
        def sum(self, *others: Value | float) -> Value: ...
        def tan(self) -> Value: ...
        def tanh(self) -> Value: ...
        def trunc(self) -> Value: ...
    # --- end of generated op declarations ---


_EXIT = object()  # stack marker: the node below it has had all its inputs ordered


def _order_and_set_aside(root: Value) -> tuple[list[Value], dict[Value, float]]:
    """Every node below ``root``, each after all of its inputs, and the ``.grad`` it had.

    A backward pass sums its gradients in ``.grad`` itself, so each node's
    gradient is set aside and zeroed as the node is first reached; the caller
    adds it back at the end (or restores it if an op's backward fails).

    This is an iterative depth-first search. A node is marked visited when it is
    entered; in a DAG, a visited node that is reached again is already ordered.
    """
    order: list[Value] = []
    previous: dict[Value, float] = {}  # also the visited set
    stack: list = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _EXIT:
            order.append(pop())
        elif node not in previous:
            previous[node] = node.grad
            node.grad = 0.0
            push(node)
            push(_EXIT)
            if node._first is not None:
                push(node._first)
                if node._second is not None:
                    push(node._second)
                    if node._rest:
                        stack.extend(node._rest)
    return order, previous


def _propagate(order: list[Value]) -> None:
    """The chain rule, from the last node of ``order`` (the root, whose .grad is the seed) down.

    Ops of one and two inputs (all bundled ones) are unrolled: this loop is half
    of the time of ``backward()``.
    """
    check_finite = state.anomaly
    node = order[-1]
    grads = None
    try:
        for node in reversed(order):
            a = node._first
            if a is None:
                continue
            op = node._op
            b = node._second
            grads = None
            if b is None:
                grads = op.backward_call(node.grad, node.data, a.data)
                (grad_a,) = grads
                a.grad += grad_a
            elif not node._rest:
                grads = op.backward_call(node.grad, node.data, a.data, b.data)
                grad_a, grad_b = grads
                a.grad += grad_a
                b.grad += grad_b
            else:
                children = node.children
                grads = op.backward_call(node.grad, node.data, *[c.data for c in children])
                if len(grads) != len(children):
                    raise ValueError("wrong number of gradients")
                for child, grad in zip(children, grads):
                    child.grad += grad
            if check_finite:
                _check_gradients(op, grads)
    except NeurogradError:
        raise
    except Exception as err:
        raise _backward_error(node, grads, err) from err


def _backward_error(node: Value, grads: Any, err: Exception) -> BackwardError:
    """Name the op whose backward failed, and say how, for ``backward()`` to raise."""
    op, n = node._op, len(node.children)
    try:
        count = len(grads) if grads is not None else None
    except TypeError:
        count = None
    if count is not None and count != n:
        return BackwardError(
            f"backward of op {_describe(op)} returned {count} gradients for {n} inputs"
        )
    return BackwardError(f"backward of op {_describe(op)} failed: {err!r}")


def _describe(op: Op) -> str:
    """The op's name, and the plugin that registered it when that is not Neurograd itself."""
    provider = op.provider
    return f"{op.name!r}" if provider is None else f"{op.name!r} (from plugin {provider!r})"


def _check_gradients(op: Op, grads: tuple[float, ...]) -> None:
    for i, grad in enumerate(grads):
        if not math.isfinite(grad):
            raise AnomalyError(f"backward of op {_describe(op)} gave gradient {grad} for input {i}")


_allocate = object.__new__


def node(data: Any, op: Op, first: Value, second: Value | None = None) -> Value:
    """``Value(data, (first, second), op)`` for ops of one or two inputs, on the hot path.

    Calling the class goes through ``type.__call__`` and ``__init__``; filling
    the slots of a bare object here costs about half as much.
    """
    value = _allocate(Value)
    value.data = data if type(data) is float else as_float(data, op)
    value.grad = 0.0
    value.label = ""
    value._op = op
    value._first = first
    value._second = second
    value._rest = ()
    return value


def apply(op: Op, *inputs: Any, **attrs: Any) -> Value:
    """Compute ``op`` on ``inputs`` (Values or numbers), honouring the modes in ``modes``.

    The general path behind every bound method; the methods skip it when no
    attributes are given and neither mode is on.
    """
    children = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
    out = as_float(op.eager_forward(*[c.data for c in children], **attrs), op)
    if state.anomaly and not math.isfinite(out):
        shown = ", ".join(repr(c.data) for c in children)
        raise AnomalyError(f"op {_describe(op)} gave {out} for inputs ({shown})")
    if not state.grad_enabled:
        return Value(out, (), None)
    return Value(out, children, op.with_attrs(attrs) if attrs else op)
