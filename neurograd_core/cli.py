"""The ``neurograd`` command; every subcommand comes from a plugin's ``register_commands``.

A user's mistake on the command line is an argparse error (status 2), Ctrl-C is
one line and status 130: neither shows a traceback.
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
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
        sub.set_defaults(_run=command.run, _parser=sub)
    return parser


def _version() -> str:
    from importlib import metadata

    from neurograd_core.plugins import DISTRIBUTION

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a folder that was never installed
        return "(not installed)"


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
    except (Exception, SystemExit) as err:  # parser.error() in configure exits
        command.error = f"configure(parser) failed: {type(err).__name__}: {err}"
        print(
            f"neurograd: command {command.name!r} of plugin {command.provider!r} "
            f"is left out: {command.error}",
            file=sys.stderr,
        )
        return None
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("neurograd: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`neurograd plugins | head -1`)
        # Python flushes stdout again at exit; point it at devnull so that is silent too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: list[str]) -> int:
    import neurograd_core  # noqa: F401  (loads the plugins)

    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # parse_args() would report them with the top-level usage even when they follow
        # a command; the command's own parser says which options it takes.
        after_command = args.command is not None and argv.index(unknown[0]) > argv.index(
            args.command
        )
        owner = args._parser if after_command else parser
        owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        parser.print_help()
        return 2
    status = args._run(args)
    return 0 if status is None else int(status)


if __name__ == "__main__":
    sys.exit(main())
