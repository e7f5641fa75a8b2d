"""Conformance checks for ops, for plugin authors' test suites."""
