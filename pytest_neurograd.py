"""pytest plugin (entry point ``pytest11``): fixtures for testing Neurograd plugins.

pytest loads this module in every run of an environment where Neurograd is
installed, so it only offers two fixtures that a test must ask for, and the
ini option ``neurograd_plugins``. It lives outside ``neurograd_core`` because
importing anything inside that package imports the package, which loads every
plugin; Neurograd's own modules are imported inside the fixtures instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "neurograd_plugins",
        type="args",
        default=[],
        help="modules of the Neurograd plugins under test: the neurograd_registry fixture "
        "holds the bundled ops and theirs",
    )


@pytest.fixture
def neurograd_registry(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The op registry holding only the bundled ops and the plugins under test (ini option
    ``neurograd_plugins``); every op is restored when the test ends."""
    from neurograd_core.testing.registering import bundled_registry

    with bundled_registry(request.config.getini("neurograd_plugins")) as registry:
        yield registry


@pytest.fixture
def neurograd_plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``neurograd_plugin(plugin, name=None)`` registers a plugin's ops and commands for
    this test only; returns a ``RegisteredPlugin`` (its name, ops and commands)."""
    from neurograd_core import plugins
    from neurograd_core.registry import registry
    from neurograd_core.testing.registering import RegisteredPlugin, register_plugin

    loaded_commands = plugins.commands
    added: dict[str, Any] = {}
    # the neurograd command looks its subcommands up through plugins.commands()
    monkeypatch.setattr(plugins, "commands", lambda: {**loaded_commands(), **added})

    def register(plugin: Any, name: str | None = None) -> RegisteredPlugin:
        taken = {**loaded_commands(), **added}
        registered = register_plugin(plugin, name=name, taken_commands=taken)
        added.update(registered.commands)
        return registered

    with registry.isolated():
        yield register
