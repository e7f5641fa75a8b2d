"""Finding and loading plugins: every entry point in the ``neurograd`` group, one at a time.

Bundled plugins are found exactly as a third party's are. A plugin that fails
to import or to register (``sys.exit()`` included) is rolled back and reported
(a warning naming its distribution), and loading goes on;
``NEUROGRAD_STRICT_PLUGINS=1`` raises instead. ``NEUROGRAD_LOAD_PLUGINS`` picks
third-party plugins: unset loads all, empty loads none, ``a,b`` loads those two,
each named as ``neurograd plugins`` shows it or by its distribution. A value of
either that is not understood is a warning naming it. Both are read when
plugins load, not at import.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from neurograd_core import hookspecs, value
from neurograd_core.errors import OpConflictError, PluginLoadError
from neurograd_core.op import Op
from neurograd_core.registry import registry

ENTRY_POINT_GROUP = "neurograd"
DISTRIBUTION = "neurograd-engine"
HOOK_NAMES = ("register_ops", "register_commands")


class PluginWarning(UserWarning):
    """A plugin was skipped because it failed to load."""


@dataclass
class Command:
    """A ``neurograd`` subcommand contributed through ``register_commands``."""

    name: str
    run: Callable[[Any], int | None]
    help: str = ""
    configure: Callable[[Any], None] | None = None
    provider: str = ""
    error: str | None = None  # why its parser could not be built, when it could not


@dataclass
class PluginInfo:
    """What ``neurograd plugins`` shows about one entry point."""

    name: str
    distribution: str
    version: str
    module: str
    bundled: bool
    hooks: list[str] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    error: str | None = None
    loaded: bool = False
    command_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class _Loaded:
    manager: pluggy.PluginManager
    plugins: list[PluginInfo]
    commands: dict[str, Command]
    strict: bool = False
    # plugins whose module was still being imported when loading reached them
    pending: list[tuple[metadata.EntryPoint, PluginInfo]] = field(default_factory=list)


_loaded: _Loaded | None = None


def normalize(distribution: str) -> str:
    """A distribution name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _wanted() -> set[str] | None:
    """The third-party plugins to load, by plugin or distribution name (normalized);
    None means all of them."""
    chosen = os.environ.get("NEUROGRAD_LOAD_PLUGINS")
    if chosen is None:
        return None
    return {normalize(name.strip()) for name in chosen.split(",") if name.strip()}


def _is_wanted(info: PluginInfo, wanted: set[str] | None) -> bool:
    return (
        info.bundled
        or wanted is None
        or normalize(info.distribution) in wanted
        or normalize(info.name) in wanted
    )


def _warn_unknown_names(wanted: set[str] | None, found: list[PluginInfo]) -> None:
    """A name in NEUROGRAD_LOAD_PLUGINS that matches nothing is most likely a typo."""
    known = {normalize(info.name) for info in found}
    known |= {normalize(info.distribution) for info in found}
    for name in sorted((wanted or set()) - known):
        third_party = sorted({info.name for info in found if not info.bundled})
        warnings.warn(
            f"NEUROGRAD_LOAD_PLUGINS names {name!r}, which is neither a plugin nor the "
            f"distribution of one (third-party plugins found: {', '.join(third_party) or 'none'})",
            PluginWarning,
            stacklevel=3,
        )


STRICT_ON = ("1", "true", "yes")
STRICT_OFF = ("", "0", "false", "no")


def _strict() -> bool:
    """NEUROGRAD_STRICT_PLUGINS: 1 (or true, yes) raises; empty, 0 (or false, no) warns.
    Any other value warns that it was not understood, and loading stays lenient."""
    setting = os.environ.get("NEUROGRAD_STRICT_PLUGINS", "")
    if setting.strip().lower() in STRICT_ON:
        return True
    if setting.strip().lower() not in STRICT_OFF:
        warnings.warn(
            f"NEUROGRAD_STRICT_PLUGINS={setting!r} is not understood: use 1 to raise on a "
            "plugin that fails to load, 0 or empty to warn; loading goes on with warnings",
            PluginWarning,
            stacklevel=3,
        )
    return False


def _found_plugins() -> list[tuple[metadata.EntryPoint, PluginInfo]]:
    """Every entry point of the group with what is known before loading it; bundled first,
    then by distribution, so the load order does not depend on the environment."""
    found = []
    name_and_version: dict[int, tuple[str, str]] = {}  # parsed once per distribution
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.dist is None:
            dist, version = "<unknown>", ""
        else:
            if id(ep.dist) not in name_and_version:
                meta = ep.dist.metadata  # parsing METADATA costs ~0.5 ms each time
                name_and_version[id(ep.dist)] = (meta["Name"], meta["Version"])
            dist, version = name_and_version[id(ep.dist)]
        info = PluginInfo(
            name=ep.name,
            distribution=dist,
            version=version,
            module=ep.value,
            bundled=normalize(dist) == DISTRIBUTION,
        )
        found.append((ep, info))
    found.sort(
        key=lambda pair: (not pair[1].bundled, normalize(pair[1].distribution), pair[0].name)
    )
    return found


def new_plugin_manager() -> pluggy.PluginManager:
    """A pluggy manager that knows Neurograd's hooks."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def add_plugin(manager: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Register ``plugin`` and check its hooks with pluggy (``check_pending``), so that a
    misspelt hook such as ``register_op`` is an error naming it, not a hook never called.
    If the check fails, ``plugin`` is unregistered again."""
    manager.register(plugin, name=name)
    try:
        manager.check_pending()
    except BaseException:
        manager.unregister(name=name)
        raise


def call_hooks(
    hook: Callable[[str], Callable[..., Any]], provider: str, commands: dict[str, Command]
) -> list[str]:
    """Run one plugin's hooks: its ops go into the registry under ``provider``, its
    commands into ``commands``. Returns the commands it added or replaced; if a hook
    fails, the registry and ``commands`` are put back as they were (ops and commands
    it replaced included) before the error propagates.

    ``hook(name)`` gives the caller of that hook for this plugin alone.
    """
    added: list[str] = []
    saved_ops, saved_commands = registry.snapshot(), dict(commands)

    def register_op(op: Op, replace: bool = False) -> Op:
        return registry.register(op, provider=provider, replace=replace)

    def register_command(
        name: str,
        run: Callable[[Any], int | None],
        help: str = "",
        configure: Callable[[Any], None] | None = None,
        replace: bool = False,
    ) -> None:
        if name in commands and not replace:
            raise OpConflictError(
                f"command {name!r} is already provided by {commands[name].provider!r}; "
                f"{provider!r} tried to provide it too. The first stays; "
                "pass replace=True to replace it on purpose."
            )
        commands[name] = Command(name, run, help, configure, provider)
        if name not in added:
            added.append(name)

    try:
        hook("register_ops")(register=register_op)
        hook("register_commands")(register=register_command)
    except BaseException:
        registry.restore(saved_ops)
        commands.clear()
        commands.update(saved_commands)
        raise
    return added


def _load_one(
    manager: pluggy.PluginManager,
    info: PluginInfo,
    ep: metadata.EntryPoint,
    commands: dict[str, Command],
) -> None:
    """Import and register one plugin; on any error undo what it registered, then re-raise."""
    module = ep.load()
    if manager.has_plugin(info.name):
        raise PluginLoadError(f"another plugin already uses the name {info.name!r}")
    add_plugin(manager, module, info.name)
    info.hooks = [h for h in HOOK_NAMES if hasattr(module, h)]
    others = [p for p in manager.get_plugins() if p is not module]
    try:
        info.commands = call_hooks(
            lambda name: manager.subset_hook_caller(name, others), info.name, commands
        )
    except BaseException:
        manager.unregister(name=info.name)
        raise
    info.ops = registry.ops_from(info.name)
    info.loaded = True


def _being_imported(ep: metadata.EntryPoint) -> bool:
    """Whether the plugin's module is part-way through its own import: it imported
    neurograd_core before defining its hooks (``import my_plugin`` as a program's first
    line does this). It is loaded once its import has finished (``finish_loading``)."""
    module = sys.modules.get(ep.module)
    return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


def _load_reporting(
    manager: pluggy.PluginManager,
    info: PluginInfo,
    ep: metadata.EntryPoint,
    commands: dict[str, Command],
    strict: bool,
) -> None:
    """``_load_one``, with a failure reported as a warning (or raised when strict)."""
    try:
        _load_one(manager, info, ep, commands)
    except (Exception, SystemExit) as err:  # a plugin's sys.exit() must not end the program
        info.error = f"{type(err).__name__}: {err}"
        message = (
            f"Neurograd plugin {ep.name!r} from distribution {info.distribution!r} "
            f"failed to load: {info.error}"
        )
        if strict:
            raise PluginLoadError(message) from err
        warnings.warn(message + " (skipped)", PluginWarning, stacklevel=3)


def finish_loading() -> bool:
    """Load the plugins whose module was still being imported when plugins loaded, if its
    import has finished since; returns whether any was loaded."""
    if _loaded is None or not _loaded.pending:
        return False
    waiting, _loaded.pending = _loaded.pending, []
    done = False
    for ep, info in waiting:
        if _being_imported(ep):
            _loaded.pending.append((ep, info))
            continue
        _load_reporting(_loaded.manager, info, ep, _loaded.commands, _loaded.strict)
        done = True
    if not _loaded.pending and "__getattr__" in vars(value.Value):
        del value.Value.__getattr__
    return done


def _late_attribute(self: value.Value, name: str) -> Any:
    """``Value.__getattr__`` while a plugin waits for its import to finish: a missing
    attribute may be one of its ops. Installed only then, because a class with
    ``__getattr__`` makes every attribute read slower (backward() by 30%)."""
    if not name.startswith("__") and finish_loading():
        return getattr(self, name)
    raise AttributeError(f"'Value' object has no attribute {name!r}")


def load_plugins() -> list[PluginInfo]:
    """(Re)load every plugin the environment selects; returns what was found.

    Ops registered from user code with ``register_op`` are kept.
    """
    global _loaded
    if _loaded is not None:
        for info in _loaded.plugins:
            for name in registry.ops_from(info.name):
                registry.unregister(name)
    manager = new_plugin_manager()
    wanted, strict = _wanted(), _strict()
    plugins: list[PluginInfo] = []
    commands: dict[str, Command] = {}
    _loaded = _Loaded(manager, plugins, commands)
    found = _found_plugins()
    _warn_unknown_names(wanted, [info for _, info in found])
    _loaded.strict = strict
    for ep, info in found:
        if not _is_wanted(info, wanted):
            info.error = "not loaded: excluded by NEUROGRAD_LOAD_PLUGINS"
            plugins.append(info)
            continue
        plugins.append(info)
        if _being_imported(ep):
            _loaded.pending.append((ep, info))
            value.Value.__getattr__ = _late_attribute  # type: ignore[method-assign]
            continue
        _load_reporting(manager, info, ep, commands, strict)
    if not any(p.bundled and p.loaded for p in plugins):
        warnings.warn(
            f"no bundled Neurograd plugin was found: is the {DISTRIBUTION!r} distribution "
            "installed (pip install -e .)? Value has no arithmetic without it.",
            PluginWarning,
            stacklevel=2,
        )
    return plugins


def _current() -> _Loaded:
    if _loaded is None:
        load_plugins()
    assert _loaded is not None
    finish_loading()
    return _loaded


def plugin_infos() -> list[PluginInfo]:
    """Every plugin found at the last load, loaded or not, with the ops and commands
    each provides now (another plugin may have replaced some since it loaded)."""
    loaded = _current()
    for info in loaded.plugins:
        if info.loaded:
            own = [c for c in loaded.commands.values() if c.provider == info.name]
            info.ops = registry.ops_from(info.name)
            info.commands = [c.name for c in own]
            info.command_errors = {c.name: c.error for c in own if c.error is not None}
    return list(loaded.plugins)


def commands() -> dict[str, Command]:
    """The ``neurograd`` subcommands, by name."""
    return dict(_current().commands)


def plugin_manager() -> pluggy.PluginManager:
    return _current().manager
