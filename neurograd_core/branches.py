"""Branches as graph nodes, so that replay can trace a function that differentiates a gradient.

A gradient is differentiated by running each op's backward on Values. There an
op body's comparisons give bools and ``xp.where`` picks one branch, so the
gradient's graph follows the data: relu's backward is ``grad`` for one example
and a constant 0 for the next. Eager mode wants exactly that: the branch not
taken is never built, so it cannot overflow into a result. Replay cannot use
it: it runs one graph for every example of a batch.

So while replay traces (``modes.recording_branches``), comparisons inside op
bodies give ``Condition`` nodes (1.0 where they hold, else 0.0) and ``xp.where``
gives a node of ``WHERE`` over both branches. The graph is then the same for
every example and its values are eager mode's. Neither carries a gradient to a
condition. Each op gives -0.0 where it gives nothing, the additive identity of
IEEE 754. Replay's schedule keeps the branch an example does not take from
passing anything back (liveness masks, ``replay/schedule.py``).
"""

from __future__ import annotations

from typing import Any

from neurograd_core.op import NO_GRADIENT, SELECT, Op
from neurograd_core.value import Value

ZERO = -0.0  # what an op gives an input it passes no gradient: x + -0.0 is x, bit for bit
FLAT = (NO_GRADIENT,)  # the trait of every op here but WHERE


def as_value(x: Any) -> Value:
    """``x`` itself if it is a Value, else a leaf holding it (a number)."""
    return x if isinstance(x, Value) else Value(x)


def _less(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(a < b, 1.0, 0.0)


def _less_equal(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(a <= b, 1.0, 0.0)


def _greater(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(a > b, 1.0, 0.0)


def _greater_equal(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(a >= b, 1.0, 0.0)


def _equal(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(xp.equal(a, b), 1.0, 0.0)


def _both(xp: Any, a: Any, b: Any) -> Any:
    return xp.where((a > 0) & (b > 0), 1.0, 0.0)


def _either(xp: Any, a: Any, b: Any) -> Any:
    return xp.where((a > 0) | (b > 0), 1.0, 0.0)


def _negation(xp: Any, a: Any) -> Any:
    return xp.where(a > 0, 0.0, 1.0)


def _any(xp: Any, *conditions: Any) -> Any:
    held = conditions[0] > 0
    for condition in conditions[1:]:
        held = held | (condition > 0)
    return xp.where(held, 1.0, 0.0)


def _flat_many(xp: Any, grad: Any, out: Any, *conditions: Any) -> tuple[Any, ...]:
    return (ZERO,) * len(conditions)


def _flat_one(xp: Any, grad: Any, out: Any, a: Any) -> tuple[Any]:
    return (ZERO,)


def _flat_two(xp: Any, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return ZERO, ZERO


def _where(xp: Any, condition: Any, a: Any, b: Any) -> Any:
    return xp.where(condition > 0, a, b)


def _where_backward(xp: Any, grad: Any, out: Any, condition: Any, a: Any, b: Any) -> tuple:
    chosen = condition > 0
    return ZERO, xp.where(chosen, grad, ZERO), xp.where(chosen, ZERO, grad)


LESS = Op("less", _less, _flat_two, symbol="<", traits=FLAT)
LESS_EQUAL = Op("less_equal", _less_equal, _flat_two, symbol="<=", traits=FLAT)
GREATER = Op("greater", _greater, _flat_two, symbol=">", traits=FLAT)
GREATER_EQUAL = Op("greater_equal", _greater_equal, _flat_two, symbol=">=", traits=FLAT)
EQUAL = Op("equal", _equal, _flat_two, symbol="==", traits=FLAT)
AND = Op("logical_and", _both, _flat_two, symbol="&", traits=FLAT)
OR = Op("logical_or", _either, _flat_two, symbol="|", traits=FLAT)
NOT = Op("logical_not", _negation, _flat_one, symbol="~", traits=FLAT)
ANY = Op("any", _any, _flat_many, symbol="any", traits=FLAT)
COMPARISONS = {op.name: op for op in (LESS, LESS_EQUAL, GREATER, GREATER_EQUAL)}
WHERE = Op("where", _where, _where_backward, symbol="where", traits=(SELECT,))


_FLAT: dict[str, Op] = {}


def flat(name: str, *operands: Any) -> Value:
    """``xp.<name>`` (``floor``, ``floor_divide``, ...) as a node with no gradient: a
    constant in eager mode, but one whose number depends on the example."""
    op = _FLAT.get(name)
    if op is None:
        arity = 2 if name == "floor_divide" else 1
        forward = _flat_forward(name, arity)
        backward = _flat_two if arity == 2 else _flat_one
        op = _FLAT[name] = Op(name, forward, backward, traits=FLAT)
    children = tuple(map(as_value, operands))
    return Value(op.eager_forward(*[c.data for c in children]), children, op)


def _flat_forward(name: str, arity: int) -> Any:
    if arity == 2:
        return lambda xp, a, b: getattr(xp, name)(a, b)
    return lambda xp, x: getattr(xp, name)(x)


class Condition(Value):
    """The outcome of a comparison, as a node: 1.0 where it holds, else 0.0."""

    __slots__ = ()

    def __bool__(self) -> bool:  # an op body that branches in Python still branches
        return self.data > 0

    def __and__(self, other: Any) -> Condition:
        return condition(AND, self, other)

    def __rand__(self, other: Any) -> Condition:
        return condition(AND, other, self)

    def __or__(self, other: Any) -> Condition:
        return condition(OR, self, other)

    def __ror__(self, other: Any) -> Condition:
        return condition(OR, other, self)

    def __invert__(self) -> Condition:
        return condition(NOT, self)


def condition(op: Op, *operands: Any) -> Condition:
    """``op`` (a comparison or a logical op) on Values or numbers, as a ``Condition``."""
    children = tuple(map(as_value, operands))
    return Condition(op.eager_forward(*[c.data for c in children]), children, op)


def where(chosen: Value, a: Any, b: Any) -> Value:
    """``a`` where ``chosen`` holds, else ``b``: one node with both branches below it."""
    children = (chosen, as_value(a), as_value(b))
    return Value(WHERE.eager_forward(*[c.data for c in children]), children, WHERE)
