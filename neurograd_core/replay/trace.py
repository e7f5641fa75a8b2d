"""Stage 1, trace: a Value graph as a ``FlatGraph``, and the checks that it is still the graph.

``flatten`` copies the structure of a Value graph into flat lists, nodes in
topological order; replay never walks ``Value`` objects after that. A leaf is

* an *input*: a placeholder that takes new data per example;
* a *parameter*: listed in ``params``; its ``.data`` is read at every run and its
  ``.grad`` receives gradients;
* a *captured* Value: one the function uses that exists outside it but is not
  in ``params`` (``scale`` in ``lambda x: x * scale``). It is treated as eager mode
  treats it: its ``.data`` is read at every run and its ``.grad`` gets its gradient;
* a *constant*: a Value the function creates, such as the ``1`` in ``1 + x``; its
  number is part of the trace.

Stale traces. A trace records the graph that one example produced. If the
function takes a different path for other data (a Python ``if`` on a Value's
``.data``, a constant picked by a comparison, ``max()`` over Values' data),
replaying that graph would silently compute the wrong thing. Python gives no
hook to see a ``.data`` read, so the tracer compares instead: the function is
run eagerly again and each resulting graph must equal the trace node for node
(same ops, attributes, wiring and constants), else ``StaleTraceError``:

* when tracing: on ``verify`` further examples of the batch, spread over it;
* while replaying: every ``recheck_every``-th ``forward`` re-runs one example
  of that batch, in turn (this catches branches on parameters, which change
  during training). By default every 100th, or less often where one re-run
  would cost more than 5% of the time since the last (``Replay``);
* on demand: ``replay.check(*arrays)`` re-runs every example (or the ones asked).

A Python number the function reads from outside (``lambda x: x * scale`` with
``scale = 2.0``) becomes a constant of the trace: it is not read again. So the
numbers a function reads from its closure and module globals are remembered
when tracing and compared at every ``forward`` (a few lookups), which catches a
changed one at the next call; a number read deeper (an attribute, a global of
another function) is caught by the periodic re-run only. Trace again after
changing such a number, or make it a ``Value`` and it is read at every run.

This is a check on samples, not a proof: a branch that no checked example
takes can go unseen. A replay made by ``trace_graph`` from an existing graph
has no function to re-run and is replayed as recorded.
"""

from __future__ import annotations

import dis
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import is_
from typing import Any, NamedTuple

import numpy as np

from neurograd_core.errors import NeurogradError
from neurograd_core.modes import recording_branches
from neurograd_core.op import Op
from neurograd_core.value import Value

INPUT, PARAM, CAPTURED, CONST, OP = "input", "param", "captured", "constant", "op"


class StaleTraceError(NeurogradError, RuntimeError):
    """The traced graph differs from what the function computes on some example."""


@dataclass
class FlatGraph:
    """The structure of a graph: node ``i``'s children are all nodes before ``i``.

    ``slots[i]`` is a leaf's index in its own list: the input column, the
    parameter, ``captured`` or ``constants``.
    """

    kinds: list[str] = field(default_factory=list)  # INPUT, PARAM, CAPTURED, CONST or OP
    ops: list[Op | None] = field(default_factory=list)
    children: list[tuple[int, ...]] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)
    captured: list[Value] = field(default_factory=list)
    constants: list[Value] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    n_inputs: int = 0
    n_params: int = 0

    def __len__(self) -> int:
        return len(self.kinds)

    def same_as(self, other: FlatGraph) -> bool:
        """Whether ``other`` is this graph: a fast check, list by list; False may be wrong
        for NaN constants, which ``signature`` compares exactly."""
        if (
            self.kinds != other.kinds
            or self.children != other.children
            or self.slots != other.slots
            or self.outputs != other.outputs
            or len(self.captured) != len(other.captured)
            or not all(map(is_, self.captured, other.captured))
            or [c.data for c in self.constants] != [c.data for c in other.constants]
        ):
            return False
        if all(map(is_, self.ops, other.ops)):
            return True
        return all(
            a is b or (a is not None and b is not None and _op_key(a) == _op_key(b))
            for a, b in zip(self.ops, other.ops)
        )

    def signature(self) -> list[Node]:
        """What must match for two traces to be the same computation, node by node.

        A captured Value and a constant are both compared by their number.
        """
        entries: list[Node] = []
        for i, kind in enumerate(self.kinds):
            if kind == OP:
                op = self.ops[i]
                assert op is not None
                entries.append(Node(op.name, _attrs_key(op), self.children[i]))
            elif kind in (CONST, CAPTURED):  # a captured Value is compared as a number too
                leaf = (self.constants if kind == CONST else self.captured)[self.slots[i]]
                entries.append(Node(CONST, _float_key(leaf.data)))
            else:
                entries.append(Node(kind, self.slots[i]))
        return entries + [Node("outputs", tuple(self.outputs))]


class Node(NamedTuple):
    """A node of a signature: an op (name, attributes, children) or a leaf (kind, slot, number)."""

    what: str
    key: Any
    children: tuple[int, ...] = ()

    def describe(self) -> str:
        """This node in words, for error messages."""
        if self.what == CONST:
            number = math.nan if self.key == "nan" else float.fromhex(self.key)
            return f"constant {number!r}"
        if self.what in (INPUT, PARAM):
            return f"{self.what} #{self.key}"
        if self.what == "outputs":
            return f"outputs at nodes {self.key}"
        attrs = "".join(f", {name}={value}" for name, value in self.key)
        return f"op {self.what!r}{attrs} on nodes {self.children}"


def _op_key(op: Op) -> tuple[Any, ...]:
    return (op.name, _attrs_key(op))


def _attrs_key(op: Op) -> tuple[tuple[str, str], ...]:
    return tuple((name, repr(value)) for name, value in sorted(op.attrs.items()))


def _float_key(x: float) -> str:
    return "nan" if math.isnan(x) else float.hex(x)


def _leaf_slots(values: Sequence[Value], what: str) -> dict[Value, int]:
    slots: dict[Value, int] = {}
    for i, value in enumerate(values):
        if not isinstance(value, Value):
            raise TypeError(f"{what} #{i} is {type(value).__name__}, expected a Value")
        if value in slots:
            raise ValueError(f"{what} #{i} is the same Value as {what} #{slots[value]}")
        if value.children:
            raise ValueError(
                f"{what} #{i} ({value!r}) was computed from other Values; "
                f"{what}s must be leaves of the graph"
            )
        slots[value] = i
    return slots


def flatten(
    outputs: Sequence[Value],
    inputs: Sequence[Value],
    params: Sequence[Value],
    captured: Callable[[Value], bool] = lambda leaf: False,
) -> FlatGraph:
    """The graph below ``outputs``, with ``inputs`` and ``params`` given their slots.

    Any other leaf is captured where ``captured(leaf)`` says so, else a constant.
    """
    input_slots = _leaf_slots(inputs, "input")
    param_slots = _leaf_slots(params, "parameter")
    for value, i in input_slots.items():
        if value in param_slots:
            raise ValueError(f"input #{i} is also parameter #{param_slots[value]}")
    for i, out in enumerate(outputs):
        if not isinstance(out, Value):
            raise TypeError(f"output #{i} is {type(out).__name__}, expected a Value")

    graph = FlatGraph(n_inputs=len(inputs), n_params=len(params))
    kinds, ops, wiring, slots = graph.kinds, graph.ops, graph.children, graph.slots
    index: dict[Value, int] = {}  # also the set of nodes entered
    for root in outputs:
        # iterative post-order (as in ``value.py``): a node entered is numbered after
        # all its children, before it is popped again from another parent
        stack: list[Any] = [root]
        while stack:
            node = stack.pop()
            if type(node) is tuple:  # (node, its children): all numbered now
                node, children = node
                index[node] = len(kinds)
                kinds.append(OP)
                ops.append(node.op)
                wiring.append(tuple(map(index.__getitem__, children)))
                slots.append(-1)
                continue
            if node in index:
                continue
            children = node.children
            if children:
                index[node] = -1  # entered
                stack.append((node, children))
                stack.extend(reversed(children))
                continue
            index[node] = len(kinds)
            ops.append(None)
            wiring.append(())
            if node in input_slots:
                kinds.append(INPUT)
                slots.append(input_slots[node])
            elif node in param_slots:
                kinds.append(PARAM)
                slots.append(param_slots[node])
            else:
                leaves = graph.captured if captured(node) else graph.constants
                kinds.append(CAPTURED if leaves is graph.captured else CONST)
                slots.append(len(leaves))
                leaves.append(node)
        graph.outputs.append(index[root])
    return graph


# -- tracing a function --------------------------------------------------------------------

InputSpec = Sequence[Value | Sequence[Value]]


def input_leaves(inputs: InputSpec) -> tuple[list[Value], list[tuple[int, ...]]]:
    """The input Values in slot order, and each input's per-example shape."""
    leaves: list[Value] = []
    shapes: list[tuple[int, ...]] = []
    for i, entry in enumerate(inputs):
        if isinstance(entry, Value):
            leaves.append(entry)
            shapes.append(())
        elif isinstance(entry, (list, tuple)):
            leaves.extend(entry)
            shapes.append((len(entry),))
        else:
            raise TypeError(
                f"input {i} is {type(entry).__name__}; expected a Value or a list of them"
            )
    return leaves, shapes


def output_values(result: Any) -> tuple[list[Value], bool]:
    """The function's outputs as a list, and whether it returned a single Value."""
    if isinstance(result, Value):
        return [result], True
    if isinstance(result, (list, tuple)) and result:
        return list(result), False
    raise TypeError(
        f"the traced function returned {type(result).__name__}; expected a Value "
        "or a non-empty list of Values"
    )


def as_batch(arrays: Sequence[Any]) -> list[np.ndarray]:
    """The arrays as float64 numpy arrays of shape (N,) or (N, k), with equal N >= 1."""
    columns = [real_numpy(array, i) for i, array in enumerate(arrays)]
    for i, column in enumerate(columns):
        if column.ndim not in (1, 2):
            raise ValueError(f"input {i} has shape {column.shape}; expected (N,) or (N, k)")
        if len(column) == 0:
            raise ValueError(f"input {i} is empty: tracing needs at least one example")
        if len(column) != len(columns[0]):
            raise ValueError(f"input {i} has {len(column)} examples, input 0 has {len(columns[0])}")
    return columns


def refuse_complex(array: Any, i: int) -> None:
    """A TypeError for a complex array: casting it to float64 would drop the imaginary parts."""
    is_complex = getattr(array, "is_complex", None)  # a torch tensor
    if (callable(is_complex) and is_complex()) or np.iscomplexobj(array):
        raise TypeError(
            f"input {i} is complex; replay computes on real numbers "
            "(pass the real and imaginary parts as two inputs)"
        )


def real_numpy(array: Any, i: int) -> np.ndarray:
    """``array`` (numpy, torch, nested lists) as float64 numpy, refusing complex numbers."""
    if hasattr(array, "detach"):  # a torch tensor, maybe on a GPU
        refuse_complex(array, i)
        array = array.detach().cpu().numpy()
    refuse_complex(array, i)
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"input {i} is not an array of numbers: {err}") from None


def spread(n_examples: int, count: int) -> list[int]:
    """Up to ``count`` example indices other than 0, spread evenly over the batch."""
    if n_examples <= 1 or count <= 0:
        return []
    picks = np.linspace(1, n_examples - 1, min(count, n_examples - 1)).round().astype(int)
    return sorted(set(picks.tolist()))


class Tracer:
    """Runs ``fn`` eagerly on one example of a batch and flattens the graph it builds."""

    def __init__(
        self, fn: Callable[..., Any], params: list[Value], name: str | None = None
    ) -> None:
        self.fn = fn
        self.params = params
        self.name = name or getattr(fn, "__qualname__", None) or type(fn).__qualname__
        self.graph = FlatGraph()  # the trace, once ``trace`` has run

    def build(self, columns: list[np.ndarray], i: int) -> tuple[list[Value], list[Value], bool]:
        """Run fn on example ``i``: its outputs, the input Values, and whether it returned one."""
        arguments: list[Any] = []
        for column in columns:
            row = column[i]
            arguments.append(
                Value(float(row)) if row.ndim == 0 else [Value(x) for x in row.tolist()]
            )
        with recording_branches():  # a gradient's graph must not depend on the example
            roots, single = output_values(self.fn(*arguments))
        leaves, _ = input_leaves(arguments)
        return roots, leaves, single

    def run(self, columns: list[np.ndarray], i: int) -> FlatGraph:
        """fn's graph for example ``i``, flattened, with the trace's captured Values as such."""
        roots, leaves, _ = self.build(columns, i)
        return self._flatten(roots, leaves)

    def _flatten(self, roots: list[Value], leaves: list[Value]) -> FlatGraph:
        captured = {id(v) for v in self.graph.captured}
        return flatten(roots, leaves, self.params, lambda leaf: id(leaf) in captured)

    def check(self, columns: list[np.ndarray], i: int) -> None:
        """Re-run fn on example ``i``; StaleTraceError if its graph is not the trace."""
        self.compare(self.graph, self.run(columns, i), i)

    def compare(self, expected: FlatGraph, got: FlatGraph, example: int) -> None:
        """StaleTraceError at the first node where ``got`` differs from ``expected``."""
        if expected.same_as(got):
            return
        want, have = expected.signature(), got.signature()
        if want == have:
            return
        position = next(
            (k for k, (a, b) in enumerate(zip(want, have)) if a != b), min(len(want), len(have))
        )
        traced = want[position].describe() if position < len(want) else "nothing"
        now = have[position].describe() if position < len(have) else "nothing"
        raise StaleTraceError(
            f"{self.name} builds a different graph for example {example} than the one traced: "
            f"node {position} is {traced} in the trace but {now} now "
            f"({len(want)} vs {len(have)} nodes). Its structure depends on the data (a Python "
            "`if` on a Value's .data?), so it cannot be replayed; compute the branch with ops "
            "(relu, abs, ...) or run it eagerly. A constant that differs may also be a number "
            "read from outside that has changed: trace again."
        )

    def trace(self, columns: list[np.ndarray], verify: int) -> tuple[FlatGraph, bool]:
        """The graph of example 0, checked against ``verify`` others, with its captured leaves.

        A leaf that is the same Value in two runs was not created by the function:
        it is captured. Leaves the function creates are new at every run. So the
        function runs at least twice, on example 0 again if there is no other.
        """
        roots, leaves, single = self.build(columns, 0)
        first = flatten(roots, leaves, self.params)
        n_examples = len(columns[0]) if columns else 1
        others = spread(n_examples, verify) or [0]
        second = self.run(columns, others[0])
        self.compare(first, second, others[0])
        kept = {id(a) for a, b in zip(first.constants, second.constants) if a is b}
        self.graph = graph = flatten(roots, leaves, self.params, lambda leaf: id(leaf) in kept)
        for example in others[1:]:
            self.compare(graph, self.run(columns, example), example)
        return graph, single


class OutsideNumbers:
    """The Python numbers a function reads from its closure and module globals, as traced.

    ``changed()`` names one that has changed since; its traced value is baked into
    the replay, so the replay would compute with the old one.
    """

    def __init__(self, functions: Sequence[Callable[..., Any]]) -> None:
        self.places: list[tuple[str, Callable[[], Any]]] = []
        for fn in functions:
            fn = getattr(fn, "__func__", fn)  # a bound method's function
            code = getattr(fn, "__code__", None)
            if code is None:
                continue
            written = _written_names(code)  # a counter the function keeps is not an input
            for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
                if name not in written:
                    self.places.append((name, _cell_reader(cell)))
            module = getattr(fn, "__globals__", {})
            for name in code.co_names:
                if name in module and name not in written:
                    self.places.append((name, _global_reader(module, name)))
        self.places = [(n, read) for n, read in self.places if _is_number(read())]
        self.traced = [read() for _, read in self.places]

    def changed(self) -> str | None:
        for (name, read), traced in zip(self.places, self.traced):
            now = read()
            if now is not traced and not (_is_number(now) and _same_number(now, traced)):
                return f"{name} was {traced!r} when traced and is {now!r} now"
        return None


def _cell_reader(cell: Any) -> Callable[[], Any]:
    def read() -> Any:
        try:
            return cell.cell_contents
        except ValueError:  # an empty cell: the variable is not assigned yet
            return None

    return read


def _global_reader(module: dict[str, Any], name: str) -> Callable[[], Any]:
    return lambda: module.get(name)


def _written_names(code: Any) -> set[str]:
    """Names ``code`` assigns with ``nonlocal`` or ``global``."""
    stores = {"STORE_DEREF", "DELETE_DEREF", "STORE_GLOBAL", "DELETE_GLOBAL"}
    return {op.argval for op in dis.get_instructions(code) if op.opname in stores}


def _is_number(value: Any) -> bool:
    """A number a function may compute with; a bool is a flag (a branch on it is left to
    the periodic check), a Value is read at every run anyway."""
    return isinstance(value, numbers.Number) and not isinstance(value, (bool, Value))


def _same_number(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) or (a != a and b != b)  # NaN stays NaN
    except (TypeError, ValueError):
        return False
