"""Turn a registered ``Op`` into methods and operators of ``Value``.

Each factory builds one function per op (not per node). The fast branch of
each method creates the node directly; ``apply`` handles attributes and the
``no_grad`` / ``detect_anomaly`` modes (see ``modes.active``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neurograd_core import modes
from neurograd_core.op import Op
from neurograd_core.value import Value, apply, as_float, node

# Op names that back Python operators: name -> (method, reflected method or None).
OPERATORS: dict[str, tuple[str, str | None]] = {
    "add": ("__add__", "__radd__"),
    "sub": ("__sub__", "__rsub__"),
    "mul": ("__mul__", "__rmul__"),
    "div": ("__truediv__", "__rtruediv__"),
    "neg": ("__neg__", None),
    "power": ("power", "__rpow__"),  # Value ** Value and number ** Value
}
# "pow" (Value ** number) backs __pow__ through pow_method: its exponent is an attribute.


def _operand(other: Any) -> Value | None:
    """``other`` as a Value for an arithmetic operator, or None if it is not a number."""
    if isinstance(other, Value):
        return other
    try:
        return Value(as_float(other))
    except TypeError:
        return None


def unary_method(op: Op) -> Callable[..., Value]:
    forward = op.forward

    def method(self: Value, **attrs: Any) -> Value:
        if attrs or modes.active:
            return apply(op, self, **attrs)
        return node(forward(self.data), op, self)

    return method


def binary_method(op: Op) -> Callable[..., Any]:
    forward = op.forward

    def method(self: Value, other: Any) -> Any:
        if type(other) is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        if modes.active:
            return apply(op, self, other)
        return node(forward(self.data, other.data), op, self, other)

    return method


def reflected_method(op: Op) -> Callable[..., Any]:
    """``number <op> value``: the number is the first input."""
    forward = op.forward

    def method(self: Value, other: Any) -> Any:
        other = _operand(other)
        if other is None:
            return NotImplemented
        if modes.active:
            return apply(op, other, self)
        return node(forward(other.data, self.data), op, other, self)

    return method


def nary_method(op: Op) -> Callable[..., Value]:
    def method(self: Value, *others: Any, **attrs: Any) -> Value:
        return apply(op, self, *others, **attrs)

    return method


def pow_method(op: Op) -> Callable[..., Any]:
    """``value ** exponent``: a number exponent is an attribute, a Value exponent is an input."""

    forward = op.forward

    def __pow__(self: Value, exponent: Any) -> Any:
        if (type(exponent) is int or type(exponent) is float) and not modes.active:
            configured = op.with_attrs({"exponent": exponent})
            return node(forward(self.data, exponent=exponent), configured, self)
        if isinstance(exponent, Value):
            power = getattr(Value, "power", None)
            if power is None:
                raise TypeError("Value ** Value needs the op 'power', which no plugin registered")
            return power(self, exponent)
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            return apply(op, self, exponent=exponent)
        try:
            return apply(op, self, exponent=as_float(exponent))
        except TypeError:
            return NotImplemented

    return __pow__


def _method(op: Op) -> Callable[..., Any]:
    """``Value.<name>`` for an op of any arity."""
    if op.arity == 1:
        return unary_method(op)
    return binary_method(op) if op.arity == 2 else nary_method(op)


def bind(op: Op) -> list[str]:
    """Attach ``op`` to ``Value``; returns the attribute names it set."""
    bound = {op.name: _method(op)}
    if op.name == "pow":
        bound["__pow__"] = pow_method(op)
    elif op.name in OPERATORS:
        method, reflected = OPERATORS[op.name]
        bound[method] = _method(op)
        if reflected is not None:
            bound[reflected] = reflected_method(op)
    for name, function in bound.items():
        function.__name__ = name
        function.__qualname__ = f"Value.{name}"
        function.__doc__ = f"Apply the registered op {op.name!r}."
        setattr(Value, name, function)
    return list(bound)


def unbind(names: list[str]) -> None:
    for name in names:
        if name in Value.__dict__:
            delattr(Value, name)
