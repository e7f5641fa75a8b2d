"""The op registry: validates each op's name, remembers who provided it, binds it to ``Value``."""

from __future__ import annotations

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


def validate_op(op: Any) -> Op:
    """Check what registering needs beyond a valid declaration: an ``Op`` with a usable name."""
    if not isinstance(op, Op):
        raise InvalidOpError(f"expected an Op, got {type(op).__name__}")
    name = op.name
    if not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidOpError(f"op name {name!r} is not a Python identifier")
    if name.startswith("_") or name in RESERVED_NAMES:
        raise InvalidOpError(f"op name {name!r} is reserved: it would hide Value.{name}")
    return op


def _kind(op: Op, operator: str) -> str:
    """How ``op`` backs ``operator``; one op of each kind may back one operator."""
    if op.arity == 1 and op.required_attrs and not operator.startswith("__r"):
        return "with a number operand"
    return "with a Value operand" if op.arity == 2 else "alone"


class OpRegistry:
    """Every op Neurograd knows, by name, each recording the plugin that provided it."""

    def __init__(self) -> None:
        self._ops: dict[str, Op] = {}

    def register(self, op: Op, *, provider: str = USER_PROVIDER, replace: bool = False) -> Op:
        """Validate ``op`` and bind it to ``Value``; returns it as registered.

        A name clash keeps the first op unless ``replace=True``; an operator that
        another op already backs is a clash too.
        """
        validate_op(op)
        name = op.name
        old = self._ops.get(name)
        if old is not None and not replace:
            raise OpConflictError(
                f"op {name!r} is already registered by {old.provider!r}; "
                f"{provider!r} tried to register it too. The first stays; "
                "pass replace=True to replace it on purpose."
            )
        for operator in op.operators:
            for other in self._backers(operator):
                if other.name != name and _kind(other, operator) == _kind(op, operator):
                    raise OpConflictError(
                        f"operator {operator} is already backed by op {other.name!r} "
                        f"(from {other.provider!r}); {provider!r} tried to back it with "
                        f"op {name!r} too"
                    )
        if old is not None:
            self.unregister(name)
        registered = op.registered(provider)
        self._bind(registered)
        return registered

    def _bind(self, op: Op) -> None:
        self._ops[op.name] = op
        binding.set_method(op.name, binding.method_for(op), f"op {op.name!r}")
        self._rebind(op.operators)

    def unregister(self, name: str) -> Op:
        op = self.get(name)
        del self._ops[name]
        binding.remove_method(name)
        self._rebind(op.operators)
        return op

    def _backers(self, operator: str) -> list[Op]:
        return [op for op in self._ops.values() if operator in op.operators]

    def _rebind(self, operators: tuple[str, ...]) -> None:
        for operator in operators:
            backers = self._backers(operator)
            if backers:
                names = " and ".join(repr(op.name) for op in backers)
                method = binding.operator_method(operator, backers)
                binding.set_method(operator, method, f"op {names}")
            else:
                binding.remove_method(operator)

    def get(self, name: str) -> Op:
        try:
            return self._ops[name]
        except KeyError:
            known = ", ".join(sorted(self._ops)) or "none"
            message = f"no op named {name!r} is registered (registered: {known})"
            raise UnknownOpError(message) from None

    def find(self, name: str) -> Op | None:
        """The op called ``name``, or None."""
        return self._ops.get(name)

    def apply(self, name: str, *inputs: Any, **attrs: Any) -> Value:
        """Compute the op called ``name`` on ``inputs``: the functional form."""
        op = self.get(name)
        if op.arity is None:
            if not inputs:
                raise TypeError(f"op {name!r} takes any number of inputs, but at least one")
        elif len(inputs) != op.arity:
            raise TypeError(f"op {name!r} takes {op.arity} inputs, got {len(inputs)}")
        return apply(op, *inputs, **attrs)

    def provider_of(self, name: str) -> str | None:
        op = self._ops.get(name)
        return None if op is None else op.provider

    def ops_from(self, provider: str) -> list[str]:
        return [name for name, op in self._ops.items() if op.provider == provider]

    def backing(self, operator: str) -> list[str]:
        """The names of the ops that back ``operator`` (a method name such as ``"__add__"``)."""
        return [op.name for op in self._backers(operator)]

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

    def snapshot(self) -> dict[str, Op]:
        """Every op as registered (each records its provider), to hand back to ``restore``."""
        return dict(self._ops)

    def restore(self, saved: dict[str, Op]) -> None:
        """Put back what ``snapshot()`` saw: ops added since go, ops replaced or removed
        since come back, the very objects that were registered, in their old order."""
        for name in [name for name in self._ops if saved.get(name) is not self._ops[name]]:
            self.unregister(name)
        for name, op in saved.items():
            if name not in self._ops:
                self._bind(op)
        self._ops = {name: self._ops[name] for name in saved}

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
