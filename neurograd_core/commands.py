"""Bundled plugin: the ``neurograd plugins``, ``neurograd ops`` and ``neurograd
new-plugin`` commands, contributed like any other command."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurograd_core.hookspecs import hookimpl

if TYPE_CHECKING:
    import argparse

    from neurograd_core.op import Op

# How the op table shows the Python operator an op backs (reflected forms alike).
OPERATOR_SYMBOLS = {
    "__add__": "+",
    "__sub__": "-",
    "__mul__": "*",
    "__truediv__": "/",
    "__floordiv__": "//",
    "__mod__": "%",
    "__pow__": "**",
    "__neg__": "unary -",
    "__pos__": "unary +",
    "__abs__": "abs()",
}


def _configure_plugins(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for machines")


def _run_plugins(args: argparse.Namespace) -> int:
    import json

    from neurograd_core.plugins import plugin_infos

    infos = plugin_infos()
    if args.json:
        print(json.dumps([asdict(info) for info in infos], indent=2))
        return 0
    for info in infos:
        origin = "bundled" if info.bundled else "third-party"
        print(f"{info.name}  ({info.distribution} {info.version}, {origin}, {info.module})")
        print(f"  hooks:    {', '.join(info.hooks) or '-'}")
        print(f"  ops:      {', '.join(info.ops) or '-'}")
        print(f"  commands: {', '.join(info.commands) or '-'}")
        if info.error:
            print(f"  error:    {info.error}")
        for name, error in info.command_errors.items():
            print(f"  error:    command {name!r} left out: {error}")
    return 0


def _configure_new_plugin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the plugin's name, e.g. softsign or my-ops")
    parser.add_argument(
        "--directory",
        type=Path,
        default=Path("."),
        help="where the plugin's folder neurograd-NAME is made (the current folder)",
    )


def _run_new_plugin(args: argparse.Namespace) -> int:
    from neurograd_core.scaffold import PluginNameError, write_plugin

    try:
        folder, files = write_plugin(args.name, args.directory)
    except (PluginNameError, OSError) as err:
        print(f"neurograd new-plugin: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {folder}:")
    for name in files:
        print(f"  {name}")
    print(
        f"next: cd {folder} && pip install -e '.[test]' && "
        "NEUROGRAD_STRICT_PLUGINS=1 python -m pytest"
    )
    return 0


def _operators(op: Op) -> str:
    symbols: list[str] = []
    for method in op.operators:
        unreflected = method.replace("__r", "__", 1)
        symbol = OPERATOR_SYMBOLS.get(method) or OPERATOR_SYMBOLS.get(unreflected, method)
        if symbol not in symbols:
            symbols.append(symbol)
    return ", ".join(f"`{symbol}`" for symbol in symbols)


def _computes(op: Op) -> str:
    """The first line of the forward's docstring: what the op computes."""
    doc = inspect.getdoc(op.forward) or ""
    return doc.split("\n", 1)[0].rstrip(".").replace("|", "\\|")


def op_table(ops: Iterable[Op]) -> str:
    """A Markdown table of ``ops``: name, what it computes, operator, plugin.

    README.md's table of bundled ops is this table (a test checks it).
    """
    rows = ["| op | computes | operator | plugin |", "|---|---|---|---|"]
    for op in ops:
        rows.append(f"| `{op.name}` | {_computes(op)} | {_operators(op)} | {op.provider} |")
    return "\n".join(rows)


def _run_ops(args: argparse.Namespace) -> int:
    from neurograd_core.registry import registry

    print(op_table(registry))
    return 0


@hookimpl
def register_commands(register: Callable[..., Any]) -> None:
    register(
        "plugins",
        _run_plugins,
        help="list plugins, their ops, commands and load errors",
        configure=_configure_plugins,
    )
    register(
        "new-plugin",
        _run_new_plugin,
        help="write a new plugin distribution to start from: an op, its tests, packaging",
        configure=_configure_new_plugin,
    )
    register("ops", _run_ops, help="every registered op as a Markdown table")
