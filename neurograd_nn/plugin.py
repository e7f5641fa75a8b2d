"""Bundled plugin: contributes the ``neurograd demo`` command through ``register_commands``.

Kept light: the demo's modules, numpy and matplotlib load only when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from neurograd_core import hookimpl

if TYPE_CHECKING:
    import argparse


def _configure_demo(parser: argparse.ArgumentParser) -> None:
    from neurograd_nn.demo import configure

    configure(parser)


def _run_demo(args: argparse.Namespace) -> int:
    from neurograd_nn.demo import run

    return run(args)


@hookimpl
def register_commands(register: Callable[..., Any]) -> None:
    register(
        "demo",
        _run_demo,
        help="train an MLP on the moons data as micrograd's demo does, and draw the result",
        configure=_configure_demo,
    )
