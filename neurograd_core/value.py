"""``Value``: one float in the graph, and ``backward()`` over the graph below it.

A node keeps the ``Op`` that made it and its inputs in argument order (the
``children`` tuple); there is no closure per node, so a graph holds no reference
cycles and is freed by reference counting alone. ``backward()`` orders the graph
with an explicit stack, so depth is limited by memory, not by the recursion limit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from neurograd_core import modes
from neurograd_core.errors import AnomalyError, BackwardError, ForwardError, NeurogradError
from neurograd_core.modes import state

# Ints from here on, in magnitude, round to an infinity when converted to a float.
FLOAT_LIMIT = 2**1024 - 2**970

if TYPE_CHECKING:
    from neurograd_core.op import Op


def as_float(data: Any, op: Op | None = None) -> float:
    """``data`` as a Python float, or a ``TypeError`` naming what it was.

    An int too large for a float becomes the infinity of its sign, as IEEE 754's
    conversion rounds it (Python's ``float()`` raises ``OverflowError`` instead).
    """
    if type(data) is float:
        return data
    if isinstance(data, float):
        return float(data)
    if isinstance(data, int):
        return _int_as_float(data)
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


def _int_as_float(number: int) -> float:
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def number_attribute(value: Any) -> Any:
    """An op attribute as the op receives it: an int too large for a float is its
    infinity, as everywhere Neurograd takes a number; anything else is unchanged."""
    if type(value) is int and not -FLOAT_LIMIT < value < FLOAT_LIMIT:
        return _int_as_float(value)
    return value


def _compared(other: Any) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, (int, float)):
        return other
    raise TypeError(f"a Value compares with a Value or a real number, not {type(other).__name__}")


def _recorded(comparison: str, a: Value, b: Any) -> Any:
    """A comparison as a ``Condition`` node, which is truthy where it holds."""
    from neurograd_core import branches

    _compared(b)
    return branches.condition(branches.COMPARISONS[comparison], a, b)


class Value:
    """A scalar in a computation graph: its ``data``, its ``grad``, and how it was made."""

    # The inputs: _first and _second (None where absent), then any others in _rest.
    # Slots rather than a tuple per node: a second object per node doubled the work
    # of Python's cyclic garbage collector, about a third of a training step
    # (bench/engine.py). ``children`` gives them as a tuple. ``__dict__`` takes what
    # user code sets (micrograd-style optimizers keep ``p.m``, drawings ``node.color``):
    # on CPython 3.11 every node pays 32 bytes for it, a dict pointer pair before the
    # object and a values array allocated with it. So what most nodes do not have
    # lives there too, with a default here: a ``label``, and the inputs after the
    # second (only ops of three or more inputs have them; the loops ask the op's
    # arity first). A chain node costs 116 bytes (bench/engine.py); 100 without
    # ``__dict__``, 132 with it and both slots.
    __slots__ = ("data", "grad", "_made_by", "_first", "_second", "__dict__")
    __array_ufunc__ = None  # numpy defers to Value's reflected operators
    label: str = ""
    _rest: tuple[Value, ...] = ()

    def __init__(
        self,
        data: Any,
        _children: tuple[Value, ...] = (),
        op: Op | None = None,
        label: str = "",
    ) -> None:
        if op is not None and isinstance(op, str):  # micrograd's Value(x, children, 'tanh')
            raise _string_op(op)
        self.data = data if type(data) is float else as_float(data, op)
        self.grad = 0.0
        if label:
            self.label = label
        self._made_by = op
        n = len(_children)
        self._first = _children[0] if n else None
        self._second = _children[1] if n > 1 else None
        if n > 2:
            self._rest = _children[2:]

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # Comparisons read .data and give a bool, as a branch in PyTorch does (it is not
    # differentiated); in an op body while replay traces, a node (``branches``).
    # == and hashing stay identity: the engine keys dicts by node.
    def __lt__(self, other: Any) -> bool:
        if modes.recording and state.comparisons_recorded:
            return _recorded("less", self, other)
        return self.data < _compared(other)

    def __le__(self, other: Any) -> bool:
        if modes.recording and state.comparisons_recorded:
            return _recorded("less_equal", self, other)
        return self.data <= _compared(other)

    def __gt__(self, other: Any) -> bool:
        if modes.recording and state.comparisons_recorded:
            return _recorded("greater", self, other)
        return self.data > _compared(other)

    def __ge__(self, other: Any) -> bool:
        if modes.recording and state.comparisons_recorded:
            return _recorded("greater_equal", self, other)
        return self.data >= _compared(other)

    __hash__ = object.__hash__

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
        return self._made_by

    # micrograd's names, so that code written for micrograd runs on Neurograd
    # (docs/guide/engine.md, "Coming from micrograd").
    @property
    def _prev(self) -> set[Value]:
        """micrograd's inputs: a set, so ``x * x`` has one (``children`` keeps both, in order)."""
        return set(self.children)

    @property
    def _op(self) -> str:
        """micrograd's op string: ``''`` for a leaf, else the op's ``label`` (what
        ``draw_dot`` shows: ``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ``'tanh'``)."""
        op = self._made_by
        return "" if op is None else op.label

    def _backward(self) -> None:
        """This node's step of the chain rule alone, as micrograd's lecture calls it by hand:
        add ``self.grad`` times the local derivative to each input's ``.grad``.

        ``backward()`` does this for every node below, in order; a leaf has nothing to
        pass on. If the op's backward fails, no ``.grad`` has changed.
        """
        op = self._made_by
        if op is None:
            return
        children = self.children
        grads = None
        try:
            grads = op.backward_call(self.grad, self.data, *[c.data for c in children])
            if len(grads) != len(children):
                raise ValueError("wrong number of gradients")
            reals = [_real(grad, op, i) for i, grad in enumerate(grads)]
        except NeurogradError:
            raise
        except Exception as err:
            raise _backward_error(self, grads, err) from err
        if state.anomaly:
            _check_gradients(op, reals)
        for child, grad in zip(children, reals):
            child.grad += grad

    def backward(self, gradient: float = 1.0) -> None:
        """Add d(self)/d(node) * ``gradient`` to the ``.grad`` of every node below self.

        Gradients accumulate across calls, as in PyTorch. If an op's backward fails,
        or the call is interrupted (KeyboardInterrupt) at any point, every ``.grad``
        is left as it was. Threads may run ``backward()`` at the same time on graphs
        that share leaves only (parameters, inputs); see ``_accumulate``.
        """
        seed = gradient if type(gradient) is float else _seed(gradient)
        if self._first is None:  # a leaf: the gradient of a value by itself
            self.grad += seed
            return
        _accumulate(self, seed)

    # In a notebook cell: a table of data, grad and op (neurograd_core/notebook.py).
    def _repr_html_(self) -> str:
        from neurograd_core.notebook import value_html

        return value_html(self)

    if TYPE_CHECKING:  # no __getattr__ at run time: it would slow every attribute read
        # A plugin's op methods are bound at run time; to a type checker they are Any
        # (``functional.op(name)`` gives a typed one).
        def __getattr__(self, name: str) -> Any: ...

        # Attributes user code sets land in __dict__; declared ones keep their types.
        def __setattr__(self, name: str, value: Any) -> None: ...

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


def _string_op(op: str) -> TypeError:
    """What ``Value(data, children, 'tanh')``, micrograd's way to make a node, raises."""
    return TypeError(
        f"Value(data, children, {op!r}): Neurograd makes nodes with ops, not op strings. "
        "Call the op on Values (x.tanh(), a * b); for a new one, declare an Op with its "
        "forward and backward and register it: register_op(Op(name, forward, backward)) "
        "(docs/plugins.md). A leaf is Value(data)."
    )


def _seed(gradient: Any) -> float:
    try:
        return as_float(gradient)
    except TypeError:
        raise TypeError(
            f"backward(gradient=...) takes a real number, got {type(gradient).__name__}"
        ) from None


_EXIT = object()  # stack marker: the node below it has had all its inputs ordered


def _order_and_set_aside(root: Value, order: list[Value], previous: dict[Value, float]) -> None:
    """Fill ``order`` with the inner nodes below ``root`` (every node an op made), each
    before all of its inputs, and ``previous`` with the ``.grad`` of every node below
    root, leaves included. Each inner node's ``.grad`` is zeroed, after it is recorded:
    the caller can always put it back.

    This is an iterative depth-first search. A node is marked visited when it is
    entered; in a DAG, a visited node that is reached again is already ordered.
    Leaves are not ordered: no gradient flows out of them.
    """
    stack: list = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _EXIT:
            order.append(pop())
        elif node not in previous:
            previous[node] = node.grad  # also the visited set
            if node._first is not None:
                node.grad = -0.0
                push(node)
                push(_EXIT)
                push(node._first)
                if node._second is not None:
                    push(node._second)
                    if node._made_by.arity != 2:  # three or more inputs, maybe
                        stack.extend(node._rest)
    order.reverse()


# Stages of _accumulate, for undoing what was done when it is interrupted.
_ORDERING, _PROPAGATING, _ADDING_BACK = 0, 1, 2


def _accumulate(root: Value, seed: float) -> None:
    """The chain rule, from ``root`` down; undone entirely if anything interrupts it.

    An inner node's gradient is summed in its ``.grad``, from -0.0 (the additive
    identity of IEEE 754: 0.0 would turn a gradient of -0.0 into 0.0); what it had
    before is set aside and added back at the end. Inner nodes belong to this call.
    Leaves receive their gradients directly in ``.grad``, so that threads sharing a
    parameter each add to it. If an exception or KeyboardInterrupt stops this
    function, at any point, the inner nodes get their old ``.grad`` back and each
    leaf loses exactly what this call added to it (``_undo``): another thread's
    additions stay.

    Ops of one and two inputs (all bundled ones) are unrolled: this loop is half
    of the time of ``backward()``. Each gradient is checked to be a float by
    ``x.__class__ is float``: 5 ns, where ``type(x) is float`` costs 24 (CPython 3.11).
    """
    check_finite = state.anomaly
    order: list[Value] = []
    previous: dict[Value, float] = {}
    stage = _ORDERING
    finished = None  # the last node whose gradients reached its inputs
    kept: dict[Value, float] = {}  # this call's gradient of inner nodes already added back
    node, grads = root, None
    try:
        _order_and_set_aside(root, order, previous)
        root.grad = seed
        stage = _PROPAGATING
        for node in order:
            a = node._first
            op = node._made_by
            b = node._second
            grads = None
            if b is None:
                grads = op.backward_call(node.grad, node.data, a.data)
                (grad_a,) = grads
                if grad_a.__class__ is not float:
                    grad_a = _real(grad_a, op, 0)
                if check_finite:
                    _check_gradients(op, (grad_a,))
                finished = node
                a.grad += grad_a
            elif op.arity == 2:
                grads = op.backward_call(node.grad, node.data, a.data, b.data)
                grad_a, grad_b = grads
                if grad_a.__class__ is not float or grad_b.__class__ is not float:
                    grad_a, grad_b = _real(grad_a, op, 0), _real(grad_b, op, 1)
                if check_finite:
                    _check_gradients(op, (grad_a, grad_b))
                finished = node
                a.grad += grad_a
                b.grad += grad_b
            else:
                children = node.children
                grads = op.backward_call(node.grad, node.data, *[c.data for c in children])
                if len(grads) != len(children):
                    raise ValueError("wrong number of gradients")
                reals = [_real(grad, op, i) for i, grad in enumerate(grads)]
                if check_finite:
                    _check_gradients(op, reals)
                finished = node
                for child, grad in zip(children, reals):
                    child.grad += grad
        stage = _ADDING_BACK
        for node, grad in previous.items():
            if grad and node._first is not None:  # most nodes are new: nothing to add back
                kept[node] = node.grad
                node.grad += grad
    except BaseException as err:
        if stage == _ORDERING or finished is None:
            done = 0
        elif stage == _PROPAGATING:
            done = order.index(finished) + 1
        else:
            done = len(order)
        _undo(order[:done], previous, kept)
        if stage == _PROPAGATING and isinstance(err, Exception):
            if not isinstance(err, NeurogradError):
                raise _backward_error(node, grads, err) from err
        raise


def _undo(processed: list[Value], previous: dict[Value, float], kept: dict) -> None:
    """Put back every ``.grad`` that ``_accumulate`` changed; ``processed`` are the nodes
    whose gradients reached their inputs.

    An inner node gets its old value back. A leaf may be shared with another thread
    that added to it meanwhile, so it loses this call's additions instead, recomputed
    by running the same backwards again (ops are pure; the common path records
    nothing). When no other thread touched the leaf, its old value is restored
    exactly, not up to rounding.
    """
    added: dict[Value, list[float]] = {}
    try:
        for node in processed:
            op = node._made_by
            grad = kept.get(node, node.grad)
            children = node.children
            grads = op.backward_call(grad, node.data, *[c.data for c in children])
            for i, (child, g) in enumerate(zip(children, grads)):
                if child._first is None:
                    added.setdefault(child, []).append(_real(g, op, i))
    except BaseException:  # an op that is not pure, or a second interruption: old values
        added = {leaf: [] for leaf in previous if leaf._first is None}
    for node, grad in previous.items():
        if node._first is not None:
            node.grad = grad
    for leaf, grads in added.items():
        old = previous[leaf]
        expected = old
        for g in grads:
            expected += g
        if not grads or _same_bits(leaf.grad, expected):
            leaf.grad = old
        else:
            for g in reversed(grads):
                leaf.grad -= g


def _same_bits(a: float, b: float) -> bool:
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (a != a and b != b)


def _real(grad: Any, op: Op, index: int) -> float:
    """A gradient as a Python float (numpy scalars and ints convert), or a
    ``BackwardError`` naming the op."""
    if type(grad) is float:
        return grad
    if not isinstance(grad, complex):
        try:
            return as_float(grad)
        except TypeError:
            pass
    raise BackwardError(
        f"backward of op {_describe(op)} returned {type(grad).__name__} {grad!r} as the "
        f"gradient of input {index}; a gradient is a real number (a float)"
    )


def _backward_error(node: Value, grads: Any, err: Exception) -> BackwardError:
    """Name the op whose backward failed, and say how, for ``backward()`` to raise."""
    op, n = node._made_by, len(node.children)
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
    value._made_by = op
    value._first = first
    value._second = second
    return value


def _attributes(op: Op, attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` as the op's forward receives them, or a ``TypeError`` naming the op and
    the attribute that it does not take or that is missing (the caller's mistake, not
    the op's)."""
    accepted, missing = op.accepted_attrs, [a for a in op.required_attrs if a not in attrs]
    unknown = [] if accepted is None else [a for a in attrs if a not in accepted]
    if unknown or missing:
        takes = ", ".join(accepted) if accepted else "none"
        wrong = f"takes no attribute {unknown[0]!r}" if unknown else f"needs {missing[0]!r}"
        raise TypeError(f"op {_describe(op)} {wrong} (its attributes: {takes})")
    return {name: number_attribute(value) for name, value in attrs.items()}


def forward_error(op: Op, err: Exception) -> ForwardError:
    """What computing a node raises when the op's forward raised ``err`` (other than one
    of Neurograd's own errors): the op and its plugin are named, ``err`` is the cause."""
    return ForwardError(f"forward of op {_describe(op)} failed: {err!r}")


def apply(op: Op, *inputs: Any, **attrs: Any) -> Value:
    """Compute ``op`` on ``inputs`` (Values or numbers), honouring the modes in ``modes``.

    The general path behind every bound method; the methods skip it when no
    attributes are given and neither mode is on.
    """
    if attrs or op.required_attrs:
        attrs = _attributes(op, attrs)
    children = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
    try:
        result = op.eager_forward(*[c.data for c in children], **attrs)
    except NeurogradError:
        raise
    except Exception as err:
        raise forward_error(op, err) from err
    out = as_float(result, op)
    if state.anomaly and not math.isfinite(out):
        shown = ", ".join(repr(c.data) for c in children)
        raise AnomalyError(f"op {_describe(op)} gave {out} for inputs ({shown})")
    if not state.grad_enabled:
        return Value(out, (), None)
    return Value(out, children, op.with_attrs(attrs) if attrs else op)
