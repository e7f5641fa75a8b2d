"""Bundled plugin: the ``neurograd demo`` command (placeholder until the demo lands)."""
