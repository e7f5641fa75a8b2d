"""The ``Op`` declaration: an operation as data, a forward and a backward over plain floats.

    Op("tanh", forward=math.tanh, backward=lambda grad, out, x: (grad * (1 - out * out),))

``forward(*inputs, **attrs) -> float``; ``backward(grad, out, *inputs, **attrs)``
returns one gradient per input. Attributes (an exponent, a slope) are constants
that are not differentiated. Declaring an op checks nothing; the registry
validates it once, when it is registered (see ``registry.validate_op``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from types import MappingProxyType
from typing import Any

NO_ATTRS: Mapping[str, Any] = MappingProxyType({})
_MAX_VARIANTS = 256  # distinct attribute sets remembered per op


class Op:
    """An operation on scalars: its name, forward, backward and optional extras.

    Optional fields are read by other parts of Neurograd:

    * ``arity`` -- number of inputs; inferred from ``forward``'s signature when omitted.
    * ``symbol`` -- how ``draw_dot`` labels the node; may use attributes, e.g. ``"**{exponent}"``.
    * ``torch`` -- a PyTorch equivalent, ``f(*tensors, **attrs)``, for the conformance kit.
    * ``domain`` -- ``f(*inputs) -> bool``: where finite-difference checks may sample (e.g. x > 0).
    * ``kinks`` -- input values where the op is not differentiable (e.g. 0.0 for relu).
    * ``vectorized_forward`` / ``vectorized_backward`` -- the same maths over numpy arrays.
    """

    __slots__ = (
        "name",
        "forward",
        "backward",
        "arity",
        "symbol",
        "torch",
        "domain",
        "kinks",
        "vectorized_forward",
        "vectorized_backward",
        "attrs",
        "backward_call",
        "_variants",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        backward: Callable[..., tuple[float, ...]],
        *,
        arity: int | None = None,
        symbol: str | None = None,
        torch: Callable[..., Any] | None = None,
        domain: Callable[..., bool] | None = None,
        kinks: tuple[float, ...] = (),
        vectorized_forward: Callable[..., Any] | None = None,
        vectorized_backward: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.forward = forward
        self.backward = backward
        self.arity = arity
        self.symbol = symbol
        self.torch = torch
        self.domain = domain
        self.kinks = tuple(kinks)
        self.vectorized_forward = vectorized_forward
        self.vectorized_backward = vectorized_backward
        self.attrs = NO_ATTRS
        self.backward_call = backward  # backward with this op's attributes bound
        self._variants: dict[tuple[tuple[str, Any], ...], Op] = {}

    def with_attrs(self, attrs: Mapping[str, Any]) -> Op:
        """A copy that remembers the attributes a node was computed with.

        Copies are shared between nodes with equal (hashable) attributes, so
        ``x ** 2`` allocates no op per node.
        """
        key = tuple(attrs.items())
        try:
            return self._variants[key]
        except KeyError:
            pass
        except TypeError:  # unhashable attribute: a copy for this node alone
            return self._copy(attrs)
        configured = self._copy(attrs)
        if len(self._variants) < _MAX_VARIANTS:
            self._variants[key] = configured
        return configured

    def _copy(self, attrs: Mapping[str, Any]) -> Op:
        configured = Op.__new__(Op)
        for field in Op.__slots__:
            setattr(configured, field, getattr(self, field))
        configured.attrs = MappingProxyType(dict(attrs))
        configured.backward_call = partial(self.backward, **attrs)
        configured._variants = {}
        return configured

    @property
    def label(self) -> str:
        """The text ``draw_dot`` shows for this op: its symbol, else its name."""
        if self.symbol is None:
            return self.name
        try:
            return self.symbol.format(**self.attrs)
        except (KeyError, IndexError, ValueError):
            return self.symbol

    def __repr__(self) -> str:
        attrs = "".join(f", {k}={v!r}" for k, v in self.attrs.items())
        return f"Op({self.name!r}, arity={self.arity}{attrs})"
