"""Conformance checks for ops, for plugin authors' test suites.

    from neurograd_core.testing import conformance
    import my_plugin

    test_conformance = conformance(my_plugin)

The fixtures ``neurograd_registry`` and ``neurograd_plugin`` come from the
pytest plugin in ``neurograd_core.testing.pytest_plugin``, which pytest loads
by itself once Neurograd is installed. pytest imports this package in every
run, so the names below are imported when first used, not here.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "CHECKS": "neurograd_core.testing.checks",
    "ConformanceError": "neurograd_core.testing.checks",
    "ConformanceCase": "neurograd_core.testing.cases",
    "conformance": "neurograd_core.testing.cases",
    "conformance_cases": "neurograd_core.testing.cases",
    "ops_of": "neurograd_core.testing.cases",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'neurograd_core.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return __all__
