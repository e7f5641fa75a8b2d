"""Where a replayed objective's parameters live while it trains: two flat arrays.

Reading 337 ``p.data`` and adding into 337 ``p.grad`` one by one cost a replayed
training step more than numpy's work on the maths. So ``compile_batch`` moves its
parameters' numbers into ``ParameterArrays``: a ``data`` and a ``grad`` numpy
array, one entry per parameter. Each parameter becomes a ``StoredValue``, a
``Value`` whose ``data`` and ``grad`` read and write its entry, so user code
that reads ``p.data`` or ``p.grad`` sees the current numbers, as before. The
replay then reads every parameter and adds every gradient in one array
operation each, and Neurograd's optimizers update them all at once.

``ParameterArrays.release()`` gives the numbers back to the Values (and their
class): eager mode reads a plain Value's number a little faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurograd_core.value import Value, as_float


class StoredValue(Value):
    """A parameter whose ``data`` and ``grad`` are entries of a ``ParameterArrays``.

    Each ``ParameterArrays`` makes its own subclass, whose ``arrays`` attribute
    points back to it: no registry outside the arrays, so Values and arrays
    are freed together once nothing else holds them.
    """

    __slots__ = ()
    arrays: ParameterArrays

    @property
    def data(self) -> float:
        arrays = self.arrays
        return arrays.data.item(arrays.index[self])

    @data.setter
    def data(self, value: Any) -> None:
        arrays = self.arrays
        arrays.data[arrays.index[self]] = value if type(value) is float else as_float(value)

    @property
    def grad(self) -> float:
        arrays = self.arrays
        return arrays.grad.item(arrays.index[self])

    @grad.setter
    def grad(self, value: Any) -> None:
        arrays = self.arrays
        arrays.grad[arrays.index[self]] = value

    def __reduce_ex__(self, protocol: Any) -> Any:
        """A copy or a pickle is a plain Value with the same numbers, label and attributes
        of its own (an optimizer's ``p.m``)."""
        return (_plain_value, (self.data, self.grad), dict(self.__dict__) or None)


def _plain_value(data: float, grad: float) -> Value:
    value = Value(data)
    value.grad = grad
    return value


class ParameterArrays:
    """The numbers of ``values``, as two float64 arrays; ``live`` until ``release()``."""

    def __init__(self, values: Sequence[Value]) -> None:
        self.values = list(values)
        self.data = np.array([v.data for v in self.values], dtype=np.float64)
        self.grad = np.array([v.grad for v in self.values], dtype=np.float64)
        self.index = {value: i for i, value in enumerate(self.values)}
        self.live = True
        stored = type("StoredValue", (StoredValue,), {"__slots__": (), "arrays": self})
        for value in self.values:
            value.__class__ = stored

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"ParameterArrays({len(self)} values{'' if self.live else ', released'})"

    def release(self) -> None:
        """Give every Value its numbers back, as a plain ``Value``; the arrays stay as they are."""
        if not self.live:
            return
        for i, value in enumerate(self.values):
            data, grad = self.data.item(i), self.grad.item(i)
            value.__class__ = Value
            value.data = data
            value.grad = grad
        self.live = False


def arrays_of(params: Sequence[Value]) -> tuple[ParameterArrays, slice | np.ndarray] | None:
    """The live arrays holding every one of ``params``, and where; None if they hold not all."""
    if not params or not isinstance(params[0], StoredValue):
        return None
    arrays = params[0].arrays
    index = []
    for p in params:
        if not isinstance(p, StoredValue) or p.arrays is not arrays:
            return None
        index.append(arrays.index[p])
    rows = np.asarray(index, dtype=np.intp)
    if np.array_equal(rows, np.arange(rows[0], rows[0] + len(rows))):
        return arrays, slice(int(rows[0]), int(rows[0]) + len(rows))
    return arrays, rows


def store(params: Sequence[Value]) -> ParameterArrays | None:
    """Move ``params`` into new arrays, unless they live in arrays already (then those).

    None when that cannot be done: some but not all are stored, a Value of a
    subclass of ``Value`` (its class is its own), or a Value listed twice.
    """
    found = arrays_of(params)
    if found is not None:
        return found[0]
    if not params or any(type(p) is not Value for p in params):
        return None
    if len({id(p) for p in params}) != len(params):
        return None
    return ParameterArrays(params)


def flat_view(params: Sequence[Value]) -> tuple[ParameterArrays, Any, Any] | None:
    """(arrays, data, grad) with ``data`` and ``grad`` views of exactly ``params``' entries.

    For an optimizer: None unless ``params`` are one run of live arrays, in order.
    """
    found = arrays_of(params)
    if found is None or not isinstance(found[1], slice):
        return None
    arrays, rows = found
    return arrays, arrays.data[rows], arrays.grad[rows]
