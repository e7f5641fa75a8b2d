"""The Value namespace: what an op body's ``xp`` is when it runs on ``Value``s.

Running an op's backward on Values records the gradient's own graph, which
can then be differentiated again. Each function applies the registered op of
the same name (``xp.exp(v)`` is ``v.exp()``), so it works for every op a
plugin provides. A few names need no op, because their derivative is zero or
they only choose between inputs: ``where``, ``equal``, ``maximum``,
``minimum`` (by comparing ``.data``, as a branch, like ``max`` in PyTorch
picks one input) and the roundings ``sign floor ceil round trunc
floor_divide`` (a constant). A registered op of that name is still preferred.
While replay traces, ``where`` and ``equal`` build nodes instead (``branches``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from neurograd_core import branches
from neurograd_core.errors import UnknownOpError
from neurograd_core.modes import state
from neurograd_core.namespaces import FUNCTIONS
from neurograd_core.namespaces.scalar import NAMESPACE as SCALAR
from neurograd_core.registry import registry
from neurograd_core.value import Value, apply


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _constant(name: str) -> Callable[..., Value]:
    """A zero-derivative function: its value on ``.data``, as a leaf (while replay traces,
    a node, as the number depends on the example)."""
    scalar = getattr(SCALAR, name)

    def call(*xs: Any) -> Value:
        if state.comparisons_recorded:
            return branches.flat(name, *xs)
        return Value(float(scalar(*[_data(x) for x in xs])))

    return call


def _select(pick_first: Callable[[float, float], bool]) -> Callable[[Any, Any], Value]:
    def call(a: Any, b: Any) -> Value:
        x, y = _data(a), _data(b)
        if x != x:
            return branches.as_value(a)
        if y != y:
            return branches.as_value(b)
        return branches.as_value(a if pick_first(x, y) else b)

    return call


def _where(condition: Any, a: Any, b: Any) -> Value:
    if isinstance(condition, Value):  # a node: replay is tracing (``branches``)
        return branches.where(condition, a, b)
    return branches.as_value(a if condition else b)


def _equal(a: Any, b: Any) -> Any:
    if state.comparisons_recorded and (isinstance(a, Value) or isinstance(b, Value)):
        return branches.condition(branches.EQUAL, a, b)
    return _data(a) == _data(b)


_WITHOUT_OP: dict[str, Callable[..., Any]] = {
    "where": _where,
    "equal": _equal,
    "maximum": _select(lambda x, y: x >= y),
    "minimum": _select(lambda x, y: x <= y),
    **{
        name: _constant(name)
        for name in ("sign", "floor", "ceil", "round", "trunc", "floor_divide")
    },
}
_ALWAYS_CORE = ("where", "equal")


def _function(name: str) -> Callable[..., Any]:
    fallback = _WITHOUT_OP.get(name)
    if name in _ALWAYS_CORE:
        assert fallback is not None
        return fallback

    def call(*args: Any, **attrs: Any) -> Any:
        op = registry.find(name)
        if op is not None:
            return apply(op, *args, **attrs)
        if fallback is not None:
            return fallback(*args, **attrs)
        raise UnknownOpError(
            f"xp.{name} on Values applies the registered op {name!r}, and no plugin "
            f"registered one: register an op named {name!r} to differentiate this body twice"
        )

    call.__name__ = name
    return call


NAMESPACE = SimpleNamespace(**{name: _function(name) for name in FUNCTIONS})
