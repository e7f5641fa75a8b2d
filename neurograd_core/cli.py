"""The ``neurograd`` command; every subcommand comes from a plugin's ``register_commands``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from neurograd_core.plugins import commands

    parser = argparse.ArgumentParser(
        prog="neurograd", description="Neurograd: a scalar autograd engine with plugins."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in sorted(commands().values(), key=lambda c: c.name):
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        if command.configure is not None:
            command.configure(sub)
        sub.set_defaults(_run=command.run)
    return parser


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
