"""The ``Op`` declaration (contract version 2): an operation written once, over a namespace.

    def softsign(xp, x):
        return x / (1 + xp.abs(x))

    def softsign_backward(xp, grad, out, x):
        d = 1 + xp.abs(x)
        return (grad / (d * d),)

    Op("softsign", softsign, softsign_backward)

``forward(xp, *inputs, **attrs)`` and ``backward(xp, grad, out, *inputs, **attrs)``
(one gradient per input, ``grad`` multiplied in) run on floats, arrays and
``Value``s alike; ``neurograd_core.namespaces`` says which ``xp`` each gets.
Attributes (an exponent, a slope) are keyword-only constants, not differentiated.
An op may add ``fast_forward`` / ``fast_backward`` over plain floats for eager
mode; the generic form stays the definition, and the conformance kit checks
that both agree. An ``Op`` cannot be changed once declared.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from functools import partial
from types import MappingProxyType
from typing import Any

from neurograd_core.errors import InvalidOpError
from neurograd_core.namespaces.scalar import NAMESPACE as SCALAR
from neurograd_core.namespaces.scalar import Float

NO_ATTRS: Mapping[str, Any] = MappingProxyType({})
_MAX_VARIANTS = 256  # distinct attribute sets remembered per op

# Traits replay may exploit (fusion in ``neurograd_core.replay.schedule``).
SUM = "sum"  # the output is the sum of the inputs
PRODUCT = "product"  # the output is the product of its two inputs
NO_GRADIENT = "no_gradient"  # every input's gradient is zero (a comparison)
SELECT = "select"  # the output is input 1 where input 0 holds, else input 2 (where)
DOT = "dot"  # inputs (w1, x1, ..., wn, xn, b): the output is w1*x1 + ... + wn*xn + b
TRAITS = frozenset({SUM, PRODUCT, NO_GRADIENT, SELECT, DOT})

# Python operators an op may back, by method name.
BINARY_OPERATORS = frozenset(
    {"__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__"}
)
REFLECTED_OPERATORS = frozenset(name.replace("__", "__r", 1) for name in BINARY_OPERATORS)
UNARY_OPERATORS = frozenset({"__neg__", "__pos__", "__abs__"})

_NEW_SHAPE = """\
Since contract version 2 an op is written once, over an array namespace xp:
    def cube(xp, x):
        return x * x * x
    def cube_backward(xp, grad, out, x):
        return (3 * x * x * grad,)
    Op("cube", cube, cube_backward)
The same two functions then run on floats, numpy arrays, torch tensors and Values.
A float-only version may stay, as Op(..., fast_forward=..., fast_backward=...)."""


def _parameters(function: Any, what: str, name: str) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        raise InvalidOpError(
            f"op {name!r}: {what} has no signature Neurograd can read ({function!r}); "
            "write it as a Python function"
        ) from None


def _positional_counts(parameters: list[inspect.Parameter]) -> tuple[int, int | None]:
    """(required, maximum) positional arguments; maximum None when ``*args`` takes any."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in parameters if p.kind in kinds]
    required = sum(1 for p in positional if p.default is p.empty)
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    return required, None if variadic else len(positional)


def _accepts(parameters: list[inspect.Parameter], n: int) -> bool:
    required, maximum = _positional_counts(parameters)
    return required <= n and (maximum is None or n <= maximum)


def _required_attrs(parameters: list[inspect.Parameter]) -> tuple[str, ...]:
    """Keyword-only parameters without a default: attributes the op cannot go without."""
    return tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty)


def _accepted_attrs(
    parameters: list[inspect.Parameter], arity: int | None
) -> tuple[str, ...] | None:
    """The attributes forward takes by keyword (after its inputs); None if ``**kwargs``."""
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    positional = [p for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD][arity:]
    return tuple(p.name for p in positional + [p for p in parameters if p.kind is p.KEYWORD_ONLY])


def _takes_xp_first(function: Callable[..., Any], what: str, name: str) -> list[inspect.Parameter]:
    parameters = _parameters(function, what, name)
    first = parameters[0].name if parameters else None
    if first != "xp":
        got = f"its first parameter is {first!r}" if first else "it takes no parameters"
        raise InvalidOpError(f"op {name!r}: {what} must take xp first, but {got}.\n{_NEW_SHAPE}")
    return parameters[1:]


def _resolve_arity(name: str, after_xp: list[inspect.Parameter], arity: int | None) -> int | None:
    """The number of inputs: ``arity`` if given, else forward's; None when forward takes
    ``*inputs`` and no arity is given (a variadic op: any number of inputs, one node)."""
    required, maximum = _positional_counts(after_xp)
    if arity is None:
        if maximum is None:
            return None
        arity = required
    if not isinstance(arity, int) or isinstance(arity, bool) or arity < 1:
        raise InvalidOpError(f"op {name!r}: arity must be a positive int, got {arity!r}")
    if not _accepts(after_xp, arity):
        raise InvalidOpError(f"op {name!r}: forward does not take xp and {arity} inputs")
    return arity


def _check_signatures(
    name: str,
    arity: int | None,
    backward: Callable[..., Any],
    fast_forward: Callable[..., Any] | None,
    fast_backward: Callable[..., Any] | None,
) -> None:
    """backward and the fast forms take as many inputs as forward (``*inputs`` if it does)."""
    parts = [("backward", _takes_xp_first(backward, "backward", name), 2)]
    parts += [
        (part, _parameters(function, part, name), extra)
        for part, function, extra in (
            ("fast_forward", fast_forward, 0),
            ("fast_backward", fast_backward, 2),
        )
        if function is not None
    ]
    for part, parameters, extra in parts:
        if arity is None:
            if _positional_counts(parameters)[1] is not None:
                raise InvalidOpError(
                    f"op {name!r}: forward takes any number of inputs (*inputs), so {part} must too"
                )
        elif not _accepts(parameters, arity + extra):
            if part == "backward":
                wanted = f"(xp, grad, out, *inputs): {arity + 3} arguments"
            else:
                wanted = f"{arity + extra} positional arguments"
            raise InvalidOpError(f"op {name!r}: {part} must take {wanted}")


def _check_operators(
    name: str, operators: tuple[str, ...], arity: int | None, attrs: tuple[str, ...]
) -> None:
    for method in operators:
        if method in UNARY_OPERATORS:
            fits = arity == 1 and not attrs
            needs = "one input and no required attribute"
        elif method in REFLECTED_OPERATORS:
            fits, needs = arity == 2, "two inputs"
        elif method in BINARY_OPERATORS:
            fits = arity == 2 or (arity == 1 and len(attrs) == 1)
            needs = "two inputs, or one input and one required attribute (the operand)"
        else:
            known = sorted(BINARY_OPERATORS | REFLECTED_OPERATORS | UNARY_OPERATORS)
            raise InvalidOpError(f"op {name!r}: {method!r} is not an operator it can back: {known}")
        if not fits:
            raise InvalidOpError(f"op {name!r}: backing {method} needs {needs}")


def _on_floats(forward: Callable[..., Any], arity: int | None) -> Callable[..., Any]:
    """The generic forward as eager mode calls it: plain floats in, a float-like out.

    One and two inputs are spelled out: a list per call costs a third of the call.
    """
    if arity == 1:
        return lambda x, **attrs: forward(SCALAR, Float(x), **attrs)
    if arity == 2:
        return lambda a, b, **attrs: forward(SCALAR, Float(a), Float(b), **attrs)
    return lambda *inputs, **attrs: forward(SCALAR, *[Float(x) for x in inputs], **attrs)


def _on_floats_backward(backward: Callable[..., Any], arity: int | None) -> Callable[..., Any]:
    """The generic backward on plain floats; gradients come back as plain floats (anything
    else is left for the engine to convert or to refuse, naming the op)."""
    if arity == 1:

        def one(grad: float, out: float, x: float, **attrs: Any) -> tuple[Any, ...]:
            grads = backward(SCALAR, Float(grad), Float(out), Float(x), **attrs)
            if len(grads) != 1:
                return tuple(grads)  # the engine names the op and the count
            return (_as_plain(grads[0]),)

        return one
    if arity == 2:

        def two(grad: float, out: float, a: float, b: float, **attrs: Any) -> tuple[Any, ...]:
            grads = backward(SCALAR, Float(grad), Float(out), Float(a), Float(b), **attrs)
            if len(grads) != 2:
                return tuple(grads)
            return _as_plain(grads[0]), _as_plain(grads[1])

        return two

    def many(grad: float, out: float, *inputs: float, **attrs: Any) -> tuple[Any, ...]:
        grads = backward(SCALAR, Float(grad), Float(out), *[Float(x) for x in inputs], **attrs)
        return tuple(_as_plain(g) for g in grads)

    return many


def _as_plain(gradient: Any) -> Any:
    """A ``Float`` as a plain float; anything else as it is, for the engine to check."""
    return float(gradient) if isinstance(gradient, float) else gradient


class Op:
    """An operation: a name, a forward and a backward written once, and what it declares.

    Optional fields, read by other parts of Neurograd (the core knows no op by name):

    * ``fast_forward(*floats, **attrs)`` / ``fast_backward(grad, out, *floats, **attrs)``
      -- eager mode's faster form over plain floats; must agree with the generic form.
    * ``arity`` -- number of inputs; inferred from ``forward``'s signature when omitted.
      A ``forward(xp, *inputs)`` without an ``arity`` declares a variadic op: ``arity``
      is None and each node takes any number (at least one) of inputs, as ``sum`` does.
    * ``operators`` -- Python operators it backs, as method names: ``("__add__",
      "__radd__")``. A one-input op with one required attribute may back a binary
      operator: ``x ** 2`` is ``pow(x, exponent=2)``.
    * ``traits`` -- properties replay may exploit: ``"sum"`` (the output is the sum of
      the inputs), ``"product"`` (the product of its two inputs), ``"no_gradient"``
      (no gradient reaches any input), ``"select"`` (input 1 where input 0 holds,
      else input 2), ``"dot"`` (inputs ``w1, x1, ..., wn, xn, b``; the output is
      ``w1*x1 + ... + wn*xn + b``).
    * ``symbol`` -- how ``draw_dot`` labels the node, and ``Value._op`` (micrograd's op
      string) spells it; may use attributes: ``"**{exponent}"``. Without one, the name.
    * ``torch`` -- a PyTorch equivalent, ``f(*tensors, **attrs)``, for the conformance kit.
    * ``domain`` -- ``f(*inputs) -> bool``: where finite-difference checks may sample.
    * ``kinks`` -- input values where the op is not differentiable (e.g. 0.0 for relu).

    Set by Neurograd: ``required_attrs`` (keyword-only parameters of forward without
    a default), ``accepted_attrs`` (every attribute forward takes, None if it takes
    ``**kwargs``), ``attrs`` (of a node's copy), ``provider`` (the plugin that registered
    it), ``eager_forward`` and ``backward_call`` (what eager mode calls).
    """

    __slots__ = (
        "name",
        "forward",
        "backward",
        "fast_forward",
        "fast_backward",
        "arity",
        "required_attrs",
        "accepted_attrs",
        "operators",
        "traits",
        "symbol",
        "torch",
        "domain",
        "kinks",
        "attrs",
        "provider",
        "eager_forward",
        "eager_backward",
        "backward_call",
        "_variants",
    )

    # What each slot holds, for type checkers (the slots are filled by object.__setattr__).
    name: str
    forward: Callable[..., Any]
    backward: Callable[..., Any]
    fast_forward: Callable[..., float] | None
    fast_backward: Callable[..., tuple[float, ...]] | None
    arity: int
    required_attrs: tuple[str, ...]
    accepted_attrs: tuple[str, ...] | None
    operators: tuple[str, ...]
    traits: frozenset[str]
    symbol: str | None
    torch: Callable[..., Any] | None
    domain: Callable[..., bool] | None
    kinks: tuple[float, ...]
    attrs: Mapping[str, Any]
    provider: str | None
    eager_forward: Callable[..., Any]
    eager_backward: Callable[..., Any]
    backward_call: Callable[..., Any]
    _variants: dict[tuple[Any, ...], Op]

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        backward: Callable[..., Any],
        *,
        fast_forward: Callable[..., float] | None = None,
        fast_backward: Callable[..., tuple[float, ...]] | None = None,
        arity: int | None = None,
        operators: tuple[str, ...] = (),
        traits: tuple[str, ...] = (),
        symbol: str | None = None,
        torch: Callable[..., Any] | None = None,
        domain: Callable[..., bool] | None = None,
        kinks: tuple[float, ...] = (),
    ) -> None:
        if not isinstance(name, str):
            raise InvalidOpError(f"an op's name must be a string, got {name!r}")
        for part, value in (("forward", forward), ("backward", backward)):
            if not callable(value):
                raise InvalidOpError(f"op {name!r}: {part} must be callable, got {value!r}")
        forward_parameters = _takes_xp_first(forward, "forward", name)
        arity = _resolve_arity(name, forward_parameters, arity)
        attributes = _required_attrs(forward_parameters)
        _check_signatures(name, arity, backward, fast_forward, fast_backward)
        for part, given in (("torch", torch), ("domain", domain)):
            if given is not None and not callable(given):
                raise InvalidOpError(f"op {name!r}: {part} must be callable or None, got {given!r}")
        if symbol is not None and not isinstance(symbol, str):
            raise InvalidOpError(f"op {name!r}: symbol must be a string, got {symbol!r}")
        operators, traits = tuple(operators), tuple(traits)
        _check_operators(name, operators, arity, attributes)
        unknown = set(traits) - TRAITS
        if unknown:
            raise InvalidOpError(
                f"op {name!r}: unknown traits {sorted(unknown)}; known: {sorted(TRAITS)}"
            )
        if SELECT in traits and arity != 3:
            raise InvalidOpError(f"op {name!r}: a select op takes 3 inputs, not {arity}")
        eager_backward = fast_backward or _on_floats_backward(backward, arity)
        fields = {
            "name": name,
            "forward": forward,
            "backward": backward,
            "fast_forward": fast_forward,
            "fast_backward": fast_backward,
            "arity": arity,
            "required_attrs": attributes,
            "accepted_attrs": _accepted_attrs(forward_parameters, arity),
            "operators": operators,
            "traits": frozenset(traits),
            "symbol": symbol,
            "torch": torch,
            "domain": domain,
            "kinks": tuple(float(k) for k in kinks),
            "attrs": NO_ATTRS,
            "provider": None,
            "eager_forward": fast_forward or _on_floats(forward, arity),
            "eager_backward": eager_backward,
            "backward_call": eager_backward,
            "_variants": {},
        }
        for field, content in fields.items():
            object.__setattr__(self, field, content)

    def __setattr__(self, field: str, value: Any) -> None:
        raise AttributeError(f"an Op cannot be changed once declared (tried to set {field!r})")

    def __delattr__(self, field: str) -> None:
        raise AttributeError(f"an Op cannot be changed once declared (tried to delete {field!r})")

    def _copy(self, **changes: Any) -> Op:
        copy = Op.__new__(Op)
        for field in Op.__slots__:
            object.__setattr__(copy, field, changes.get(field, getattr(self, field)))
        object.__setattr__(copy, "_variants", {})
        return copy

    def registered(self, provider: str) -> Op:
        """This op as the registry holds it: the same, recording the plugin that provided it."""
        return self._copy(provider=provider)

    def with_attrs(self, attrs: Mapping[str, Any]) -> Op:
        """A copy that remembers the attributes a node was computed with.

        Copies are shared between nodes with equal (hashable) attributes of the same
        types, so ``x ** 2`` allocates no op per node (and ``2 == 2.0``, but ``x ** 2``
        is labelled ``**2`` and ``x ** 2.0`` ``**2.0``, as micrograd labels them).
        """
        try:  # one attribute, as x ** 2 has, spelt out: the general form made x ** 2 19% slower
            ((name, value),) = attrs.items()
            key: tuple[Any, ...] = (name, value.__class__, value)
        except ValueError:
            key = tuple((name, value.__class__, value) for name, value in attrs.items())
        try:
            return self._variants[key]
        except KeyError:
            pass
        except TypeError:  # unhashable attribute: a copy for this node alone
            return self._configured(attrs)
        configured = self._configured(attrs)
        if len(self._variants) < _MAX_VARIANTS:
            self._variants[key] = configured
        return configured

    def _configured(self, attrs: Mapping[str, Any]) -> Op:
        return self._copy(
            attrs=MappingProxyType(dict(attrs)),
            backward_call=partial(self.eager_backward, **attrs),
        )

    @property
    def label(self) -> str:
        """The text ``draw_dot`` shows for this op, and ``Value._op``: its symbol (with the
        node's attributes filled in), else its name."""
        if self.symbol is None:
            return self.name
        try:
            return self.symbol.format(**self.attrs)
        except (KeyError, IndexError, ValueError):
            return self.symbol

    # An Op cannot change, so a copy of a graph shares its ops, and a pickle names the
    # registered op (the functions are not pickled): loading finds it in the registry.
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        if self.provider is None:
            raise TypeError(
                f"op {self.name!r} is not registered, so a pickle cannot name it: "
                "register it (register_op) to pickle Values it computed"
            )
        return (_registered, (self.name, dict(self.attrs)))

    def __repr__(self) -> str:
        attrs = "".join(f", {k}={v!r}" for k, v in self.attrs.items())
        arity = "any" if self.arity is None else self.arity
        return f"Op({self.name!r}, arity={arity}{attrs})"


def _registered(name: str, attrs: dict[str, Any]) -> Op:
    """The registered op ``name`` with ``attrs``: how a pickled node finds its op again."""
    from neurograd_core.registry import registry

    op = registry.get(name)
    return op.with_attrs(attrs) if attrs else op
