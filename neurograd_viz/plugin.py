"""Bundled plugin of neurograd_viz (placeholder until its command lands)."""
