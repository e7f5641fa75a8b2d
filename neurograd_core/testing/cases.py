"""One call that turns a plugin into pytest cases: one per op, attribute set and check.

    # tests/test_conformance.py of a plugin
    from neurograd_core.testing import conformance
    import neurograd_curves

    test_conformance = conformance(neurograd_curves)

Each case is named ``<op>-<check>`` (``pow(exponent=2)-chain_rule`` when the op
takes attributes), so ``pytest -k "gaussian and chain_rule"`` runs one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neurograd_core.op import Op
from neurograd_core.registry import registry
from neurograd_core.testing.checks import CHECKS, ConformanceError, applies

AttrSets = Mapping[str, Sequence[Mapping[str, Any]]]


def ops_of(plugin: Any) -> list[Op]:
    """The ops a plugin registers: a module or object with a ``register_ops`` hook, one
    ``Op``, or an iterable of them."""
    if isinstance(plugin, Op):
        return [plugin]
    hook = getattr(plugin, "register_ops", None)
    if callable(hook):
        ops: list[Op] = []
        hook(register=lambda op, replace=False: ops.append(op))
        return ops
    if isinstance(plugin, Iterable) and not isinstance(plugin, (str, bytes)):
        ops = list(plugin)
        if all(isinstance(op, Op) for op in ops):
            return ops
    raise TypeError(
        "conformance() takes a plugin (a module with a register_ops hook), an Op or a list "
        f"of Ops; got {plugin!r}"
    )


def _provider(plugin: Any) -> str:
    return getattr(plugin, "__name__", None) or "<conformance kit>"


def _attr_label(attrs: Mapping[str, Any]) -> str:
    if not attrs:
        return ""
    return "(" + ",".join(f"{key}={value!r}" for key, value in attrs.items()) + ")"


@dataclass(frozen=True)
class ConformanceCase:
    """One check of one op with one set of attributes."""

    op: Op
    check: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    provider: str = "<conformance kit>"

    @property
    def id(self) -> str:
        return f"{self.op.name}{_attr_label(self.attrs)}-{self.check}"

    def run(self) -> None:
        """Run the check with the op registered (so ``Value`` has its method) in an isolated
        registry; raises ``ConformanceError`` naming the op and the check."""
        __tracebackhide__ = True
        where = f"op {self.op.name!r}{_attr_label(self.attrs)} failed check {self.check!r}"
        with registry.isolated():
            try:
                held = registry.find(self.op.name)
                if held is None or held.forward is not self.op.forward:
                    registry.register(self.op, provider=self.provider, replace=True)
                CHECKS[self.check](self.op, dict(self.attrs))
            except ConformanceError as err:
                raise ConformanceError(f"{where}: {err}") from None
            except Exception as err:
                raise ConformanceError(f"{where}: {type(err).__name__}: {err}") from err


def _attr_sets(op: Op, declared: AttrSets) -> list[Mapping[str, Any]]:
    """The attribute sets declared for ``op``, plus none at all when the op needs none."""
    sets: list[Mapping[str, Any]] = [dict(attrs) for attrs in declared.get(op.name, ())]
    required = op.required_attrs
    if required and not sets:
        example = ", ".join(f"{name!r}: ..." for name in required)
        raise ValueError(
            f"op {op.name!r} needs the attribute(s) {', '.join(required)}: declare values to "
            f"check with, e.g. attrs={{{op.name!r}: [{{{example}}}]}}"
        )
    if not required and {} not in sets:
        sets.insert(0, {})
    return sets


def conformance_cases(plugin: Any, *, attrs: AttrSets | None = None) -> list[ConformanceCase]:
    """Every check that applies to every op of ``plugin``, for each attribute set.

    ``attrs`` maps an op name to the attribute sets to check it with, e.g.
    ``{"pow": [{"exponent": 2}, {"exponent": 0.5}]}``.
    """
    from neurograd_core.plugins import finish_loading

    finish_loading()  # the plugin under test may have been imported before Neurograd
    ops = ops_of(plugin)
    declared = dict(attrs or {})
    unknown = sorted(set(declared) - {op.name for op in ops})
    if unknown:
        names = ", ".join(op.name for op in ops)
        raise ValueError(f"attrs names op(s) {', '.join(unknown)} that the plugin lacks: {names}")
    provider = _provider(plugin)
    cases = []
    for op in ops:
        for attr_set in _attr_sets(op, declared):
            for check in CHECKS:
                if applies(check, op, attr_set):
                    cases.append(ConformanceCase(op, check, attr_set, provider))
    return cases


def conformance(plugin: Any, *, attrs: AttrSets | None = None) -> Callable[..., None]:
    """A pytest test function parametrized with every conformance case of ``plugin``.

    Assign it to a name starting with ``test`` in a test module.
    """
    import pytest

    cases = conformance_cases(plugin, attrs=attrs)

    @pytest.mark.parametrize("case", cases, ids=[case.id for case in cases])
    def test_conformance(case: ConformanceCase) -> None:
        __tracebackhide__ = True
        case.run()

    return test_conformance
