"""Text for graph pictures: numbers that show NaN and infinities, labels dot cannot misread.

In a dot label, backslashes start escape sequences, ``"`` ends the string and
``&`` starts an HTML entity; in a record label ``{ } | < >`` also build the
record's fields. Each is escaped so that any text shows as typed. Newlines
become line breaks; other control characters show as Python escapes (``\\t``).
"""

from __future__ import annotations

import math

_RECORD_SYNTAX = frozenset("{}|<>")

LARGE = 1e9
"""From this magnitude on numbers show in scientific notation, not as a line of digits."""


def format_number(x: float) -> str:
    """Four decimals, as micrograd shows them; NaN and infinities as ``nan``, ``inf``, ``-inf``."""
    if math.isfinite(x) and abs(x) >= LARGE:
        return f"{x:.4e}"
    return f"{x:.4f}"


def _visible(ch: str) -> str:
    """A control character as its Python escape, e.g. ``\\t``."""
    return repr(ch)[1:-1]


def one_line(text: str) -> str:
    """``text`` with newlines and other control characters shown as Python escapes."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _visible(ch) for ch in text)


def escape_label(text: str, record: bool = False) -> str:
    """``text`` escaped for a dot label; ``record=True`` also escapes record syntax."""
    pieces = []
    for ch in text:
        if ch == "\n":
            pieces.append("\\n")
        elif not ch.isprintable():
            pieces.append(_visible(ch).replace("\\", "\\\\"))
        elif ch in '\\"' or (record and ch in _RECORD_SYNTAX):
            pieces.append("\\" + ch)
        elif ch == "&":
            pieces.append("&amp;")
        else:
            pieces.append(ch)
    return "".join(pieces)
