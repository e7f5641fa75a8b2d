"""Neurograd: a scalar reverse-mode autograd engine with an op registry that plugins extend.

    from neurograd_core import Value
    a = Value(-4.0); b = Value(2.0)
    c = (a * b + b**3).relu()
    c.backward()          # a.grad, b.grad
    (da,) = grad(c, a, create_graph=True)   # d c / d a, itself a graph

Importing this package loads every plugin found through the ``neurograd``
entry-point group; the bundled ``neurograd_ops`` plugins give ``Value`` its
arithmetic and activations.
"""

from neurograd_core.autograd import grad, hessian, hvp, jacobian, jvp, vjp
from neurograd_core.errors import (
    AnomalyError,
    BackwardError,
    ForwardError,
    InvalidOpError,
    NeurogradError,
    OpConflictError,
    PluginLoadError,
    UnknownOpError,
)
from neurograd_core.hookspecs import hookimpl, hookspec
from neurograd_core.modes import detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad
from neurograd_core.op import Op
from neurograd_core.registry import register_op, registry
from neurograd_core.value import Value

__all__ = [
    "AnomalyError",
    "BackwardError",
    "ForwardError",
    "InvalidOpError",
    "NeurogradError",
    "Op",
    "OpConflictError",
    "PluginLoadError",
    "UnknownOpError",
    "Value",
    "detect_anomaly",
    "grad",
    "hessian",
    "hvp",
    "hookimpl",
    "hookspec",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "load_plugins",
    "no_grad",
    "register_op",
    "registry",
    "vjp",
]

# Last, because plugins import the names above from this package.
from neurograd_core.plugins import load_plugins  # noqa: E402

load_plugins()
