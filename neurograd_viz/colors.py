"""Colours for op nodes by the plugin that registered the op, and a legend to read them.

Providers found in a graph get colours from ``PALETTE`` in alphabetical order
of their names (so one graph always looks the same); after the last colour
the palette starts again. Ops that no plugin registered (an ``Op`` applied
directly) are ``UNREGISTERED_COLOR``.
"""

from __future__ import annotations

from collections.abc import Iterable

PALETTE = (
    "lightblue",
    "lightgoldenrod",
    "palegreen",
    "plum",
    "lightsalmon",
    "paleturquoise",
    "khaki",
    "pink",
)
UNREGISTERED_COLOR = "lightgrey"
UNREGISTERED = "(not registered)"


def provider_colors(providers: Iterable[str | None]) -> dict[str | None, str]:
    """A fill colour for each provider; None (an unregistered op) is grey."""
    found = set(providers)
    named = sorted(p for p in found if p is not None)
    colors: dict[str | None, str] = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(named)}
    if None in found:
        colors[None] = UNREGISTERED_COLOR
    return colors
