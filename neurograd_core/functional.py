"""Every registered op as a function: ``functional.tanh(x)``, ``functional.add(x, 2.0)``.

Names resolve against the registry when they are looked up, so ops that
plugins register later are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from neurograd_core.registry import registry


def __getattr__(name: str) -> Callable[..., Any]:
    if name.startswith("__") or name not in registry:
        raise AttributeError(f"module 'neurograd_core.functional' has no op {name!r}")
    return partial(registry.apply, name)


def __dir__() -> list[str]:
    return sorted(registry.names())
