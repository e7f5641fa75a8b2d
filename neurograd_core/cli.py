"""The ``neurograd`` command; every subcommand comes from a plugin's ``register_commands``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neurograd_core.plugins import Command


def build_parser() -> argparse.ArgumentParser:
    from neurograd_core.plugins import commands

    parser = argparse.ArgumentParser(
        prog="neurograd", description="Neurograd: a scalar autograd engine with plugins."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in sorted(commands().values(), key=lambda c: c.name):
        arguments = _arguments_of(command, f"{parser.prog} {command.name}")
        if arguments is None:
            continue
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            parents=[arguments],
            add_help=False,  # the -h of ``arguments`` comes with the rest
            description=arguments.description,
            epilog=arguments.epilog,
            usage=arguments.usage,
            formatter_class=arguments.formatter_class,
        )
        sub.set_defaults(_run=command.run)
    return parser


def _arguments_of(command: Command, prog: str) -> argparse.ArgumentParser | None:
    """The command's arguments, configured on a parser of their own so that a
    ``configure`` that raises (say, adding a second ``--help``) costs that command
    alone: it is reported on stderr, recorded for ``neurograd plugins`` and left out."""
    arguments = argparse.ArgumentParser(prog=prog, description=command.help)
    command.error = None
    if command.configure is None:
        return arguments
    try:
        command.configure(arguments)
    except Exception as err:
        command.error = f"configure(parser) failed: {type(err).__name__}: {err}"
        print(
            f"neurograd: command {command.name!r} of plugin {command.provider!r} "
            f"is left out: {command.error}",
            file=sys.stderr,
        )
        return None
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    import neurograd_core  # noqa: F401  (loads the plugins)

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    status = args._run(args)
    return 0 if status is None else int(status)


if __name__ == "__main__":
    sys.exit(main())
