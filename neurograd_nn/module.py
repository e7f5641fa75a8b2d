"""``Module``: finds its parameters in its attributes, and saves and restores them.

A parameter *entry* is an attribute holding a ``Value`` or a (nested) list of
Values, such as a neuron's ``w`` and ``b``. Sub-modules, and lists, tuples and
dicts of them, are searched too, so a subclass needs no ``parameters()`` of its
own. Attributes whose name starts with ``_`` are private and never searched.

Entry names follow PyTorch's dotted paths: ``layers.0.neurons.3.w``.
``named_parameters()`` goes one level further, to single scalars
(``layers.0.neurons.3.w.1``), because every parameter here is one ``Value``.

``parameters()`` and ``zero_grad()`` run every training step, so the list is
kept between calls. It stays right when sub-modules or parameters are added,
replaced or removed (``model.layers[0] = Layer(...)``, ``neuron.w.append(v)``,
``del model.head``), because the cache also keeps every attribute dict and
container it read, with their contents, and checks them by identity before
it is used: one C-level comparison per entry, no names built, no recursion.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from operator import is_
from typing import Any

from neurograd_core import Value

# What ``state_dict()`` holds per entry: a float, or nested lists of floats.
StateValue = Any


def check_state_keys(state: Any, expected: Iterable[str], owner: str) -> None:
    """A state dict has exactly the ``expected`` keys: else a KeyError naming the missing
    and the unexpected ones (a TypeError if it is no mapping). Models, optimizers and
    schedules check their state files with it."""
    if not isinstance(state, Mapping):
        raise TypeError(f"load_state_dict expects a mapping, got {type(state).__name__}")
    expected = list(expected)
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing keys {missing}")
        if unexpected:
            problems.append(f"unexpected keys {unexpected}")
        raise KeyError(f"state dict does not match {owner}: " + "; ".join(problems))


class Module:
    """Base class of everything that has parameters: ``Neuron``, ``Layer``, ``MLP``, yours."""

    def parameters(self) -> list[Value]:
        """Every parameter once, in the order the attributes were set."""
        return list(self._parameter_cache().params)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, Value) for every parameter; a Value reachable twice is listed once."""
        seen: set[int] = set()
        named = []
        for name, entry in self._entries():
            for suffix, value in _flatten(entry):
                if id(value) not in seen:
                    seen.add(id(value))
                    named.append((name + suffix, value))
        return named

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0, before the next ``backward()``.

        One array write when the parameters live in a replayed objective's flat
        arrays (``neurograd_core.replay.parameters``).
        """
        cache = self._parameter_cache()
        flat = cache.flat_grads()
        if flat is not None:
            flat[...] = 0.0
            return
        for p in cache.params:
            p.grad = 0.0

    def _parameter_cache(self) -> _ParameterCache:
        """The cached parameter list, found again if anything it was found from changed."""
        attributes = vars(self)
        cache = attributes.get("_parameters_found")
        if type(cache) is not _ParameterCache:
            cache = attributes["_parameters_found"] = _ParameterCache()
        if not cache.holds(attributes):
            cache.refill(self)
        return cache

    def named_children(self) -> list[tuple[str, Module]]:
        """The direct sub-modules, with their dotted names (``layers.0``)."""
        return [(name, value) for name, value in _walk(vars(self)) if isinstance(value, Module)]

    def state_dict(self) -> dict[str, StateValue]:
        """Every parameter entry's data: a float for a Value, lists of floats for lists."""
        return {name: _data(entry) for name, entry in self._entries()}

    def load_state_dict(self, state: Mapping[str, StateValue], strict: bool = True) -> None:
        """Copy ``state`` into the parameters; on any error nothing is changed.

        With ``strict`` (the default) the keys must be exactly this module's
        entries; without it, missing and unexpected keys are ignored. Shapes
        and types are always checked, and every number must be finite (one
        NaN weight makes every output NaN).
        """
        entries = dict(self._entries())
        if strict:
            check_state_keys(state, entries, type(self).__name__)
        elif not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict expects a mapping, got {type(state).__name__}")
        updates: list[tuple[Value, float]] = []
        for name, entry in entries.items():
            if name in state:
                _collect_updates(entry, state[name], name, updates)
        for value, data in updates:
            value.data = data

    def __repr__(self) -> str:
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}()"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            nested = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {nested}")
        lines.append(")")
        return "\n".join(lines)

    def _entries(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, Value or nested list of Values) for each entry, sub-modules included."""
        for name, value in _walk(vars(self), prefix):
            if isinstance(value, Module):
                yield from value._entries(name + ".")
            else:
                yield name, value


class _ParameterCache:
    """``parameters()`` as last found, and every dict and container it was found in.

    ``sources`` are live views: attribute dicts' keys and values, and the lists,
    tuples and dicts reached from them. The cache holds while each source has
    its recorded length and its items are the recorded objects, in order.
    """

    __slots__ = ("owner", "params", "sources", "lengths", "items", "flat")

    def __init__(self) -> None:
        self.owner: Any = None
        self.params: list[Value] = []
        self.sources: list[Any] = []
        self.lengths: tuple[int, ...] = ()
        self.items: tuple[Any, ...] = ()
        self.flat: Any = None  # (ParameterArrays, grad view) while they hold the parameters

    def __reduce__(self) -> Any:
        """A copied or pickled module starts with an empty cache."""
        return (_ParameterCache, ())

    def holds(self, attributes: dict[str, Any]) -> bool:
        if self.owner is not attributes:
            return False
        sources = self.sources
        if tuple(map(len, sources)) != self.lengths:
            return False
        return all(map(is_, chain.from_iterable(sources), self.items))

    def refill(self, module: Module) -> None:
        self.owner = vars(module)
        self.params, self.sources = [], []
        _gather_module(module, self.params, set(), self.sources)
        self.lengths = tuple(map(len, self.sources))
        self.items = tuple(chain.from_iterable(self.sources))
        self.flat = None

    def flat_grads(self) -> Any:
        """The gradients' array view when the parameters live in flat arrays, else None."""
        if not self.params or type(self.params[0]) is Value:
            return None
        if self.flat is None or not self.flat[0].live:
            from neurograd_core.replay.parameters import flat_view

            found = flat_view(self.params)
            self.flat = None if found is None else (found[0], found[2])
        return None if self.flat is None else self.flat[1]


def _gather_module(module: Module, params: list[Value], seen: set[int], sources: list) -> None:
    """``named_parameters``' walk without the names: parameters in order, and the sources."""
    attributes = vars(module)
    sources.append(attributes.keys())
    sources.append(attributes.values())
    for key, value in attributes.items():
        if not (isinstance(key, str) and key.startswith("_")):
            _gather(value, params, seen, sources)


def _gather(value: Any, params: list[Value], seen: set[int], sources: list) -> None:
    if isinstance(value, Value):
        if id(value) not in seen:
            seen.add(id(value))
            params.append(value)
    elif isinstance(value, Module):
        _gather_module(value, params, seen, sources)
    elif isinstance(value, (list, tuple)):
        sources.append(value)
        for item in value:
            _gather(item, params, seen, sources)
    elif isinstance(value, dict):
        sources.append(value.keys())
        sources.append(value.values())
        for key, item in value.items():
            if not (isinstance(key, str) and key.startswith("_")):
                _gather(item, params, seen, sources)


def _walk(attributes: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Sub-modules and parameter entries among ``attributes``, looking inside containers."""
    for key, value in attributes.items():
        if isinstance(key, str) and key.startswith("_"):
            continue
        yield from _walk_value(value, f"{prefix}{key}")


def _walk_value(value: Any, name: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, (Value, Module)) or _is_value_array(value):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk_value(item, f"{name}.{index}")
    elif isinstance(value, dict):
        yield from _walk(value, f"{name}.")


def _is_value_array(value: Any) -> bool:
    """A non-empty list or tuple of Values, or of such lists: one state-dict entry."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    if all(isinstance(item, Value) for item in value):
        return True
    return all(_is_value_array(item) for item in value)


def _flatten(entry: Any, suffix: str = "") -> Iterator[tuple[str, Value]]:
    if isinstance(entry, Value):
        yield suffix, entry
    else:
        for index, item in enumerate(entry):
            yield from _flatten(item, f"{suffix}.{index}")


def _data(entry: Any) -> StateValue:
    if isinstance(entry, Value):
        return entry.data
    return [_data(item) for item in entry]


def _shape(entry: Any) -> str:
    """A short description of a state value's shape, for error messages."""
    if isinstance(entry, (list, tuple)):
        return f"a list of {len(entry)}"
    if isinstance(entry, (Value, numbers.Real)) and not isinstance(entry, bool):
        return "a scalar"
    return f"a {type(entry).__name__}"


def _collect_updates(entry: Any, saved: Any, name: str, updates: list[tuple[Value, float]]) -> None:
    """Pair each Value of ``entry`` with its number in ``saved``, or raise naming ``name``."""
    saved_is_list = isinstance(saved, (list, tuple))
    if isinstance(entry, Value) and not saved_is_list:
        if isinstance(saved, bool) or not isinstance(saved, numbers.Real):
            raise TypeError(f"state dict entry {name!r} must be a number, got {saved!r}")
        try:
            number = float(saved)
        except OverflowError:
            raise ValueError(
                f"state dict entry {name!r} is not finite (an integer too large for a float)"
            ) from None
        if not math.isfinite(number):
            raise ValueError(f"state dict entry {name!r} is not finite ({number!r})")
        updates.append((entry, number))
        return
    if isinstance(entry, Value) or not saved_is_list or len(saved) != len(entry):
        raise ValueError(
            f"state dict entry {name!r} has the wrong shape: "
            f"expected {_shape(entry)}, got {_shape(saved)}"
        )
    for index, (item, saved_item) in enumerate(zip(entry, saved)):
        _collect_updates(item, saved_item, f"{name}[{index}]", updates)
