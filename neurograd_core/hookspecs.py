"""The hooks a Neurograd plugin may implement, and the marker it implements them with.

A plugin is a module named by an entry point in the ``neurograd`` group. Each
hook runs once, when plugins load, and hands the plugin a ``register``
callable; nothing here is called while graphs are computed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

PROJECT_NAME = "neurograd"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_ops(register: Callable[..., Any]) -> None:
    """Contribute ops: call ``register(op, replace=False)`` once per ``Op``.

    ``replace=True`` replaces an op another plugin registered under the same
    name; without it such a clash is an error naming both plugins.
    """


@hookspec
def register_commands(register: Callable[..., Any]) -> None:
    """Contribute ``neurograd`` subcommands: call
    ``register(name, run, help="", configure=None, replace=False)`` once per command.

    ``configure(parser)`` adds arguments to the command's
    ``argparse.ArgumentParser``; ``run(args)`` does the work and returns an
    exit status (None means 0). A name another plugin provides is an error
    naming both, unless ``replace=True``.
    """
