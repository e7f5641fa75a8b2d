"""Bundled plugin of neurograd_viz: the ``neurograd graph`` command.

Light at import: the command's module, and graphviz, load when the command runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from neurograd_core.hookspecs import hookimpl

if TYPE_CHECKING:
    import argparse

HELP = "show the graph of a small expression, as text or as an SVG/PNG picture"


def _configure(parser: argparse.ArgumentParser) -> None:
    from neurograd_viz.command import configure

    configure(parser)


def _run(args: argparse.Namespace) -> int:
    from neurograd_viz.command import run

    return run(args)


@hookimpl
def register_commands(register: Callable[..., Any]) -> None:
    register("graph", _run, help=HELP, configure=_configure)
