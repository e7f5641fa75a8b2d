"""Putting a plugin into the op registry for a test, the way plugin loading does.

The fixtures in ``pytest_neurograd`` wrap these in ``registry.isolated()``, so
whatever a test registers is gone when it ends.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from neurograd_core.op import Op
from neurograd_core.plugins import Command, add_plugin, call_hooks, new_plugin_manager, plugin_infos
from neurograd_core.registry import OpRegistry, registry


@dataclass
class RegisteredPlugin:
    """What a plugin contributed when a test registered it."""

    name: str
    ops: list[str] = field(default_factory=list)
    commands: dict[str, Command] = field(default_factory=dict)


def _plugin_name(plugin: Any) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__name__


def register_plugin(
    plugin: Any, *, name: str | None = None, taken_commands: Mapping[str, Command] | None = None
) -> RegisteredPlugin:
    """Run ``plugin``'s hooks through pluggy, as loading does: its ops go into the
    registry, its commands are returned. A misspelt hook or a wrong hook argument
    fails here, as in loading; so does a command name in ``taken_commands``."""
    plugin_name = name or _plugin_name(plugin)
    manager = new_plugin_manager()
    add_plugin(manager, plugin, plugin_name)
    commands = dict(taken_commands or {})
    added = call_hooks(lambda hook: getattr(manager.hook, hook), plugin_name, commands)
    return RegisteredPlugin(
        plugin_name, registry.ops_from(plugin_name), {name: commands[name] for name in added}
    )


def bundled_ops() -> list[tuple[Op, str]]:
    """(op, provider) for every op a bundled plugin registered and still provides."""
    return [
        (registry.get(name), info.name)
        for info in plugin_infos()
        if info.bundled
        for name in registry.ops_from(info.name)
    ]


@contextmanager
def bundled_registry(plugins: Iterable[Any] = ()) -> Iterator[OpRegistry]:
    """The registry holding only the bundled ops and ``plugins`` (modules or module
    names); everything is restored afterwards."""
    keep = bundled_ops()
    with registry.isolated():
        registry.clear()
        for op, provider in keep:
            registry.register(op, provider=provider)
        for plugin in plugins:
            register_plugin(importlib.import_module(plugin) if isinstance(plugin, str) else plugin)
        yield registry
