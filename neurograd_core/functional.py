"""Every registered op as a function: ``functional.tanh(x)``, ``functional.add(x, 2.0)``.

Names resolve against the registry when they are looked up, so ops that
plugins register later are here too. Type checkers know the bundled ops by
name (the declarations at the end of this module); any op, a third party's
included, is reached in a typed way by ``apply("cube", x)`` or ``op("cube")(x)``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from neurograd_core.registry import registry
from neurograd_core.value import Value

__all__ = ["OpFunction", "apply", "op"]


class OpFunction(Protocol):
    """A registered op as a function of Values or numbers: ``f(*inputs, **attrs) -> Value``."""

    def __call__(self, *inputs: Value | float, **attrs: Any) -> Value: ...


def apply(name: str, *inputs: Value | float, **attrs: Any) -> Value:
    """Compute the op registered as ``name``; typed, whichever plugin registered it.

    An unknown name is an ``UnknownOpError`` listing the registered ones.
    """
    return registry.apply(name, *inputs, **attrs)


def op(name: str) -> OpFunction:
    """The op registered as ``name`` as a typed function, checked now rather than at call.

    ``cube = functional.op("cube")`` then ``cube(x)``; the op is looked up again at
    each call, so replacing it later is seen.
    """
    registry.get(name)  # an UnknownOpError now, naming what is registered
    function: OpFunction = partial(apply, name)
    return function


if not TYPE_CHECKING:

    def __getattr__(name: str) -> OpFunction:
        if name.startswith("__") or name not in registry:
            raise AttributeError(f"module 'neurograd_core.functional' has no op {name!r}")
        return partial(registry.apply, name)


def __dir__() -> list[str]:
    return sorted({*registry.names(), *__all__})


# --- op declarations for type checkers, written by tools/declare_ops.py ---
if TYPE_CHECKING:

    def abs(x: Value | float, /) -> Value: ...
    def add(a: Value | float, b: Value | float, /) -> Value: ...
    def div(a: Value | float, b: Value | float, /) -> Value: ...
    def exp(x: Value | float, /) -> Value: ...
    def exp2(x: Value | float, /) -> Value: ...
    def expm1(x: Value | float, /) -> Value: ...
    def leaky_relu(x: Value | float, /, *, negative_slope: float = 0.01) -> Value: ...
    def log(x: Value | float, /) -> Value: ...
    def log10(x: Value | float, /) -> Value: ...
    def log1p(x: Value | float, /) -> Value: ...
    def log2(x: Value | float, /) -> Value: ...
    def mul(a: Value | float, b: Value | float, /) -> Value: ...
    def neg(a: Value | float, /) -> Value: ...
    def pow(x: Value | float, /, *, exponent: float) -> Value: ...
    def power(base: Value | float, exponent: Value | float, /) -> Value: ...
    def relu(x: Value | float, /) -> Value: ...
    def sigmoid(x: Value | float, /) -> Value: ...
    def silu(x: Value | float, /) -> Value: ...
    def softplus(x: Value | float, /) -> Value: ...
    def sqrt(x: Value | float, /) -> Value: ...
    def sub(a: Value | float, b: Value | float, /) -> Value: ...
    def tanh(x: Value | float, /) -> Value: ...
# --- end of generated op declarations ---
