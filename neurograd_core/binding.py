"""Turn registered ops into methods and operators of ``Value``.

Each factory builds one function per op (not per node). The fast branch of
each method creates the node directly; ``apply`` handles attributes and the
``no_grad`` / ``detect_anomaly`` modes (see ``modes.active``). Which operators
an op backs is declared on the op (``Op.operators``); this module knows no op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neurograd_core import modes
from neurograd_core.errors import NeurogradError
from neurograd_core.op import Op
from neurograd_core.value import FLOAT_LIMIT, Value, apply, as_float, forward_error, node

# Each method calls the op's forward inside try/except: free while nothing is raised
# (CPython 3.11+), and a failing forward is reported naming the op and its plugin.


def _operand(other: Any) -> Value | None:
    """``other`` as a Value for an arithmetic operator, or None if it is not a number."""
    if isinstance(other, Value):
        return other
    try:
        return Value(as_float(other))
    except TypeError:
        return None


def unary_method(op: Op) -> Callable[..., Value]:
    forward = op.eager_forward
    if op.required_attrs:  # never called without them: apply checks they are given
        return lambda self, **attrs: apply(op, self, **attrs)

    def method(self: Value, **attrs: Any) -> Value:
        if attrs or modes.active:
            return apply(op, self, **attrs)
        try:
            data = forward(self.data)
        except NeurogradError:
            raise
        except Exception as err:
            raise forward_error(op, err) from err
        return node(data, op, self)

    return method


def binary_method(op: Op) -> Callable[..., Any]:
    forward = op.eager_forward

    def method(self: Value, other: Any) -> Any:
        if type(other) is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        if modes.active:
            return apply(op, self, other)
        try:
            data = forward(self.data, other.data)
        except NeurogradError:
            raise
        except Exception as err:
            raise forward_error(op, err) from err
        return node(data, op, self, other)

    return method


def reflected_method(op: Op) -> Callable[..., Any]:
    """``number <op> value``: the number is the first input."""
    forward = op.eager_forward

    def method(self: Value, other: Any) -> Any:
        other = _operand(other)
        if other is None:
            return NotImplemented
        if modes.active:
            return apply(op, other, self)
        try:
            data = forward(other.data, self.data)
        except NeurogradError:
            raise
        except Exception as err:
            raise forward_error(op, err) from err
        return node(data, op, other, self)

    return method


def nary_method(op: Op) -> Callable[..., Value]:
    def method(self: Value, *others: Any, **attrs: Any) -> Value:
        return apply(op, self, *others, **attrs)

    return method


def operand_as_attribute(op: Op, binary: Op | None, operator: str) -> Callable[..., Any]:
    """``value <operator> number`` as ``op(value, <attribute>=number)`` (``x ** 2``); a
    Value operand goes to the two-input op ``binary`` that backs the same operator."""
    (attribute,) = op.required_attrs
    forward = op.eager_forward
    to_value = binary_method(binary) if binary is not None else None

    def method(self: Value, other: Any) -> Any:
        if (
            type(other) is float or (type(other) is int and -FLOAT_LIMIT < other < FLOAT_LIMIT)
        ) and not modes.active:
            try:
                data = forward(self.data, **{attribute: other})
            except NeurogradError:
                raise
            except Exception as err:
                raise forward_error(op, err) from err
            return node(data, op.with_attrs({attribute: other}), self)
        if isinstance(other, Value):
            if to_value is None:
                raise TypeError(
                    f"Value {operator} Value needs a two-input op that backs {operator}; "
                    f"only {op.name!r} (a number operand) is registered"
                )
            return to_value(self, other)
        try:
            number = other if isinstance(other, (int, float)) else as_float(other)
        except TypeError:
            return NotImplemented
        return apply(op, self, **{attribute: number})

    return method


def method_for(op: Op) -> Callable[..., Any]:
    """``Value.<name>`` for an op of any arity."""
    if op.arity == 1:
        return unary_method(op)
    return binary_method(op) if op.arity == 2 else nary_method(op)


def operator_method(operator: str, backers: list[Op]) -> Callable[..., Any]:
    """The method behind ``operator`` from the ops that back it (at most one of each kind)."""
    binary = next((op for op in backers if op.arity == 2), None)
    by_attribute = next((op for op in backers if op.arity == 1 and op.required_attrs), None)
    if by_attribute is not None:
        return operand_as_attribute(by_attribute, binary, operator)
    if operator.startswith("__r") and binary is not None:
        return reflected_method(binary)
    return method_for(backers[0])


def set_method(name: str, function: Callable[..., Any], what: str) -> None:
    function.__name__ = name
    function.__qualname__ = f"Value.{name}"
    function.__doc__ = f"Apply the registered {what}."
    setattr(Value, name, function)


def remove_method(name: str) -> None:
    if name in Value.__dict__:
        delattr(Value, name)
