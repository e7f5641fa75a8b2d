"""Conformance checks for ops, for plugin authors' test suites.

    from neurograd_core.testing import conformance
    import my_plugin

    test_conformance = conformance(my_plugin)

The fixtures ``neurograd_registry`` and ``neurograd_plugin`` come from the
pytest plugin in the top-level module ``pytest_neurograd``, which pytest loads
by itself once Neurograd is installed.
"""

from neurograd_core.testing.cases import (
    ConformanceCase,
    conformance,
    conformance_cases,
    ops_of,
)
from neurograd_core.testing.checks import CHECKS, ConformanceError

__all__ = [
    "CHECKS",
    "ConformanceCase",
    "ConformanceError",
    "conformance",
    "conformance_cases",
    "ops_of",
]
