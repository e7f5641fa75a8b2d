"""Small expressions typed on the command line, computed as Neurograd graphs.

    evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})

Python syntax, read with ``ast`` and never ``eval``: numbers, names given
values, ``+ - * / **``, unary ``-``, and registered ops called as functions
(``tanh(x)``, ``leaky_relu(x, negative_slope=0.1)``) or methods (``x.relu()``).
Each name becomes one labelled leaf Value, shared by all its uses.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from neurograd_core.registry import registry
from neurograd_core.value import Value

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


class ExpressionError(ValueError):
    """An expression that cannot be computed: bad syntax, an unknown name, a disallowed form."""


def evaluate(source: str, values: Mapping[str, float]) -> Value:
    """The Value ``source`` computes, its names taken from ``values``."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"cannot read {source!r}: {err.msg}") from None
    leaves = {name: Value(data, label=name) for name, data in values.items()}
    try:
        result = _Evaluator(leaves).visit(tree.body)
    except ArithmeticError as err:  # only plain numbers raise: Values follow IEEE 754
        raise ExpressionError(f"cannot compute {source!r}: {err.args[-1]}") from None
    if not isinstance(result, Value):
        raise ExpressionError(f"{source!r} uses no named value, so it has no graph to show")
    return result


class _Evaluator:
    def __init__(self, leaves: dict[str, Value]) -> None:
        self.leaves = leaves

    def visit(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.visit(node.left), self.visit(node.right)
            if not isinstance(left, Value) and not isinstance(right, Value):
                left, right = float(left), float(right)  # overflows at once where ints grow
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](self.visit(node.operand))
        if isinstance(node, ast.Call):
            return self._call(node)
        raise ExpressionError(
            f"{ast.unparse(node)!r} is not allowed: use numbers, names, + - * / **, "
            "and registered ops such as tanh(x) or x.relu()"
        )

    def _name(self, name: str) -> Value:
        if name not in self.leaves:
            raise ExpressionError(f"name {name!r} has no value: give it one with --set {name}=1.5")
        return self.leaves[name]

    def _call(self, node: ast.Call) -> Value:
        if isinstance(node.func, ast.Name):
            name, inputs = node.func.id, []
        elif isinstance(node.func, ast.Attribute):
            name, inputs = node.func.attr, [self.visit(node.func.value)]
        else:
            raise ExpressionError(f"cannot call {ast.unparse(node.func)!r}")
        if name not in registry:
            known = ", ".join(sorted(registry.names()))
            raise ExpressionError(f"no op named {name!r} is registered (registered: {known})")
        inputs += [self.visit(arg) for arg in node.args]
        attrs = {}
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg is None or not isinstance(value, ast.Constant):
                raise ExpressionError(
                    f"op attributes must be written name=constant, got {ast.unparse(keyword)!r}"
                )
            attrs[keyword.arg] = value.value
        try:
            return registry.apply(name, *inputs, **attrs)
        except (TypeError, ValueError) as err:
            raise ExpressionError(f"{ast.unparse(node)!r}: {err}") from None
