"""The op registry: validates each op once, remembers who provided it, binds it to ``Value``."""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from neurograd_core import binding
from neurograd_core.errors import InvalidOpError, OpConflictError, UnknownOpError
from neurograd_core.op import Op
from neurograd_core.value import Value, apply

# Names an op may not take: everything Value has before any op is bound.
RESERVED_NAMES = frozenset(dir(Value))

USER_PROVIDER = "<user code>"


def _positional(function: Any) -> tuple[int, int | None] | None:
    """(required, maximum) positional arguments of ``function``; None if it can't be inspected."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in parameters if p.kind in kinds]
    required = sum(1 for p in positional if p.default is p.empty)
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    return required, None if variadic else len(positional)


def _accepts(function: Any, n: int) -> bool:
    """Whether ``function`` can be called with ``n`` positional arguments (True if unknown)."""
    counts = _positional(function)
    if counts is None:
        return True
    required, maximum = counts
    return required <= n and (maximum is None or n <= maximum)


def validate_op(op: Any) -> Op:
    """Check ``op`` against the contract; fills in ``arity`` when it was left out."""
    if not isinstance(op, Op):
        raise InvalidOpError(f"expected an Op, got {type(op).__name__}")
    name = op.name
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidOpError(f"op name {name!r} is not a Python identifier")
    if name.startswith("_") or name in RESERVED_NAMES:
        raise InvalidOpError(f"op name {name!r} is reserved: it would hide Value.{name}")
    for part in ("forward", "backward"):
        if not callable(getattr(op, part)):
            raise InvalidOpError(f"op {name!r}: {part} must be callable, got {getattr(op, part)!r}")
    if op.arity is None:
        counts = _positional(op.forward)
        op.arity = counts[0] if counts is not None and counts[1] is not None else None
        if op.arity is None:
            raise InvalidOpError(f"op {name!r}: cannot infer arity from forward; pass arity=")
    if not isinstance(op.arity, int) or isinstance(op.arity, bool) or op.arity < 1:
        raise InvalidOpError(f"op {name!r}: arity must be a positive int, got {op.arity!r}")
    if not _accepts(op.forward, op.arity):
        raise InvalidOpError(f"op {name!r}: forward does not take {op.arity} inputs")
    if not _accepts(op.backward, op.arity + 2):
        raise InvalidOpError(
            f"op {name!r}: backward must take (grad, out, *inputs): {op.arity + 2} arguments"
        )
    for part in ("torch", "domain", "vectorized_forward", "vectorized_backward"):
        value = getattr(op, part)
        if value is not None and not callable(value):
            raise InvalidOpError(f"op {name!r}: {part} must be callable or None, got {value!r}")
    if op.symbol is not None and not isinstance(op.symbol, str):
        raise InvalidOpError(f"op {name!r}: symbol must be a string, got {op.symbol!r}")
    return op


class OpRegistry:
    """Every op Neurograd knows, by name, with the plugin that provided each."""

    def __init__(self) -> None:
        self._ops: dict[str, Op] = {}
        self._providers: dict[str, str] = {}
        self._bound: dict[str, list[str]] = {}

    def register(self, op: Op, *, provider: str = USER_PROVIDER, replace: bool = False) -> Op:
        """Validate ``op`` and bind it to ``Value``; a name clash keeps the first op
        unless ``replace=True``."""
        validate_op(op)
        name = op.name
        if name in self._ops and not replace:
            raise OpConflictError(
                f"op {name!r} is already registered by {self._providers[name]!r}; "
                f"{provider!r} tried to register it too. The first stays; "
                "pass replace=True to replace it on purpose."
            )
        if name in self._ops:
            binding.unbind(self._bound.pop(name))
        self._ops[name] = op
        self._providers[name] = provider
        self._bound[name] = binding.bind(op)
        return op

    def unregister(self, name: str) -> Op:
        op = self.get(name)
        binding.unbind(self._bound.pop(name))
        del self._ops[name], self._providers[name]
        return op

    def get(self, name: str) -> Op:
        try:
            return self._ops[name]
        except KeyError:
            known = ", ".join(sorted(self._ops)) or "none"
            message = f"no op named {name!r} is registered (registered: {known})"
            raise UnknownOpError(message) from None

    def apply(self, name: str, *inputs: Any, **attrs: Any) -> Value:
        """Compute the op called ``name`` on ``inputs``: the functional form."""
        op = self.get(name)
        if len(inputs) != op.arity:
            raise TypeError(f"op {name!r} takes {op.arity} inputs, got {len(inputs)}")
        return apply(op, *inputs, **attrs)

    def provider_of(self, name: str) -> str | None:
        return self._providers.get(name)

    def ops_from(self, provider: str) -> list[str]:
        return [name for name, who in self._providers.items() if who == provider]

    def names(self) -> list[str]:
        return list(self._ops)

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def __iter__(self) -> Iterator[Op]:
        return iter(list(self._ops.values()))

    def __len__(self) -> int:
        return len(self._ops)

    def clear(self) -> None:
        for name in list(self._ops):
            self.unregister(name)

    def snapshot(self) -> dict[str, tuple[Op, str]]:
        """Every op with its provider, to hand back to ``restore``."""
        return {name: (op, self._providers[name]) for name, op in self._ops.items()}

    def restore(self, saved: dict[str, tuple[Op, str]]) -> None:
        """Put back what ``snapshot()`` saw: ops added since go, ops replaced or removed
        since come back (a replaced op keeps its place in the listing)."""
        for name in [name for name in self._ops if name not in saved]:
            self.unregister(name)
        for name, (op, provider) in saved.items():
            if self._ops.get(name) is not op or self._providers[name] != provider:
                self.register(op, provider=provider, replace=True)

    @contextmanager
    def isolated(self) -> Iterator[OpRegistry]:
        """Let a test register and replace ops freely; everything is put back afterwards."""
        saved = self.snapshot()
        try:
            yield self
        finally:
            self.restore(saved)


registry = OpRegistry()


def register_op(op: Op, *, replace: bool = False) -> Op:
    """Register an op from a script or notebook, with no packaging."""
    return registry.register(op, provider=USER_PROVIDER, replace=replace)
