"""Conformance checks for ops, for plugin authors' test suites.

    from neurograd_core.testing import conformance
    import my_plugin

    test_conformance = conformance(my_plugin)

The fixtures ``neurograd_registry`` and ``neurograd_plugin`` come from the
pytest plugin in ``neurograd_core.testing.pytest_plugin``, which pytest loads
by itself once Neurograd is installed.
"""

from neurograd_core.testing.checks import CHECKS, ConformanceError
from neurograd_core.testing.conformance import (
    ConformanceCase,
    conformance,
    conformance_cases,
    ops_of,
)

__all__ = [
    "CHECKS",
    "ConformanceCase",
    "ConformanceError",
    "conformance",
    "conformance_cases",
    "ops_of",
]
