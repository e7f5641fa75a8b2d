"""The ``neurograd graph`` command: show a small expression's graph as text or as a picture.

    neurograd graph                                   # a neuron, as in micrograd's lecture
    neurograd graph "(a*b + b**3).relu()" --set a=-4 --set b=2 -o graph.svg

The text view is always printed; ``--output`` also writes a picture, its
format taken from the file's suffix unless ``--format`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from neurograd_viz.graph import DEFAULT_MAX_NODES

# A neuron with two inputs, with the numbers of micrograd's lecture: o = tanh(x1*w1 + x2*w2 + b)
DEFAULT_EXPRESSION = "tanh(x1*w1 + x2*w2 + b)"
DEFAULT_VALUES = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


class UsageError(Exception):
    """A mistake in the command line, reported as ``neurograd graph: error: ...``."""


class OutputError(Exception):
    """The picture could not be written where ``--output`` says (status 1)."""


def _positive_int(text: str) -> int:
    """argparse type of --max-nodes: a limit below 1 would refuse every graph."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return number


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "expression",
        nargs="?",
        help="Python syntax over named values and registered ops "
        f"(default: {DEFAULT_EXPRESSION}, a neuron with the numbers of micrograd's lecture)",
    )
    parser.add_argument(
        "--set",
        dest="values",
        action="append",
        default=[],
        metavar="NAME=NUMBER",
        help="give a name in the expression its value (repeatable)",
    )
    parser.add_argument(
        "-o",
        "--output",
        help="also write a picture to this file (.svg, .png...); missing folders are created",
    )
    parser.add_argument("--format", help="picture format when the suffix does not say it")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction")
    parser.add_argument(
        "--max-nodes",
        type=_positive_int,
        default=DEFAULT_MAX_NODES,
        help=f"refuse graphs with more Values than this (default {DEFAULT_MAX_NODES})",
    )
    parser.add_argument(
        "--color-by-plugin", action="store_true", help="colour op nodes by the plugin of the op"
    )
    parser.add_argument(
        "--no-backward", action="store_true", help="show the graph before backward(): grads 0"
    )


def _parse_values(pairs: list[str]) -> dict[str, float]:
    values = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"--set takes NAME=NUMBER, got {pair!r}")
        try:
            values[name] = float(number)
        except ValueError:
            raise UsageError(f"--set {name}: {number.strip()!r} is not a number") from None
    return values


def _picture_format(output: str, chosen: str | None) -> str:
    import graphviz

    format = chosen if chosen is not None else Path(output).suffix.lstrip(".").lower()
    if format not in graphviz.FORMATS:
        if chosen is None:
            raise UsageError(f"cannot tell a picture format from {output!r}; pass --format svg")
        raise UsageError(f"unknown --format {chosen!r}; try svg, png or pdf")
    return format


def _show(args: argparse.Namespace) -> None:
    from neurograd_viz.dot import draw_dot
    from neurograd_viz.expression import ExpressionError, evaluate
    from neurograd_viz.graph import GraphTooLargeError
    from neurograd_viz.text import text_view

    expression = args.expression or DEFAULT_EXPRESSION
    values = {} if args.expression else dict(DEFAULT_VALUES)
    values.update(_parse_values(args.values))
    picture_format = _picture_format(args.output, args.format) if args.output else None
    try:
        root = evaluate(expression, values)
        if not args.no_backward:
            root.backward()
        print(text_view(root, max_nodes=args.max_nodes))
        if picture_format is None:
            return
        dot = draw_dot(
            root,
            picture_format,
            args.rankdir,
            max_nodes=args.max_nodes,
            color_by_plugin=args.color_by_plugin,
        )
    except GraphTooLargeError:
        raise UsageError(
            f"the graph has more than {args.max_nodes} Values; raise the limit with --max-nodes N"
        ) from None
    except (ExpressionError, ValueError) as err:
        raise UsageError(str(err)) from None
    picture = dot.pipe()  # rendered before anything is created, so a failure leaves nothing
    output = Path(args.output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(picture)
    except OSError as err:  # only here: an OSError from print() is not about --output
        raise OutputError(f"cannot write {args.output!r}: {err}") from None
    print(f"wrote {args.output}")


def run(args: argparse.Namespace) -> int:
    import graphviz

    try:
        _show(args)
    except UsageError as err:
        print(f"neurograd graph: error: {err}", file=sys.stderr)
        return 2
    except graphviz.ExecutableNotFound:
        print(
            "neurograd graph: error: writing a picture needs Graphviz's `dot` program "
            "(e.g. apt-get install graphviz); the text view needs nothing",
            file=sys.stderr,
        )
        return 1
    except OutputError as err:
        print(f"neurograd graph: error: {err}", file=sys.stderr)
        return 1
    return 0
