"""Write the type checkers' view of the bundled ops, from the registry itself.

``Value``'s operators and op methods, and ``neurograd_core.functional``'s op
functions, are bound at run time from the op registry, so a type checker cannot
see them. This script renders a declaration for each op that a bundled plugin
registers into one ``if TYPE_CHECKING:`` block at the end of the ``Value`` class
(``neurograd_core/value.py``) and one in ``neurograd_core/functional.py``, between
marker lines; nothing else in those files is touched, and nothing in the blocks
runs. After adding or changing a bundled op:

    python tools/declare_ops.py          # rewrite the two blocks
    python tools/declare_ops.py --check  # exit 1 and show the difference if stale

``tests/core/test_typing.py`` fails while the blocks are stale.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neurograd_core.op import Op

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "# --- op declarations for type checkers, written by tools/declare_ops.py ---"
END = "# --- end of generated op declarations ---"
OPERAND = "Value | float"
# An attribute's annotation is copied when it is made of these names only, else Any.
PLAIN_TYPES = {"float", "int", "bool", "str", "None"}
UNARY_OPERATORS = {"__neg__", "__pos__", "__abs__"}


def bundled_ops() -> list[Op]:
    """Every op a bundled plugin registers, sorted by name (third-party plugins left out)."""
    os.environ["NEUROGRAD_LOAD_PLUGINS"] = ""  # read when plugins load: bundled only
    from neurograd_core.plugins import plugin_infos
    from neurograd_core.registry import registry

    bundled = {info.name for info in plugin_infos() if info.bundled}
    return sorted((op for op in registry if op.provider in bundled), key=lambda op: op.name)


def attribute_parameters(op: Op) -> list[inspect.Parameter]:
    """The op's attributes: the keyword-only parameters of its forward."""
    parameters = inspect.signature(op.forward).parameters.values()
    return [p for p in parameters if p.kind is p.KEYWORD_ONLY]


def input_names(op: Op) -> list[str]:
    """The names forward gives its inputs (after ``xp``), for fixed-arity ops."""
    parameters = list(inspect.signature(op.forward).parameters.values())[1:]
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.kind in kinds][: op.arity or 0]


def _annotation(parameter: inspect.Parameter) -> str:
    annotation = parameter.annotation
    if annotation is parameter.empty:
        return "Any"
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    names = set(re.split(r"\s*\|\s*", text))
    return text if names <= PLAIN_TYPES else "Any"


def _default(parameter: inspect.Parameter) -> str:
    value = parameter.default
    if value is parameter.empty:
        return ""
    if type(value) is str:  # double quotes, as ruff formats the file
        return " = " + json.dumps(value)
    plain = value is None or type(value) in (bool, int)
    if plain or (type(value) is float and math.isfinite(value)):
        return f" = {value!r}"
    return " = ..."


def _attributes(op: Op) -> list[str]:
    """``*`` and ``name: type = default`` for each attribute, or nothing."""
    attributes = [f"{p.name}: {_annotation(p)}{_default(p)}" for p in attribute_parameters(op)]
    return ["*", *attributes] if attributes else []


def method(op: Op) -> tuple[str, list[str]]:
    """How ``binding.method_for`` binds the op: its declaration as a ``Value`` method."""
    if op.arity == 1:
        parameters = ["self", *_attributes(op)]
    elif op.arity == 2:  # binding.binary_method takes no attributes
        parameters = ["self", f"other: {OPERAND}"]
    elif op.arity is None:
        parameters = ["self", f"*others: {OPERAND}", *_attributes(op)[1:]]
    else:
        others = [f"{name}: {OPERAND}" for name in input_names(op)[1:]]
        parameters = ["self", *others, "/", *_attributes(op)]
    return op.name, parameters


def function(op: Op) -> tuple[str, list[str]]:
    """The op as ``functional.<name>``: ``registry.apply(name, *inputs, **attrs)``."""
    if op.arity is None:
        parameters = [f"*inputs: {OPERAND}", *_attributes(op)[1:]]
    else:
        parameters = [f"{name}: {OPERAND}" for name in input_names(op)] + ["/"]
        parameters += _attributes(op)
    return op.name, parameters


def operator(name: str) -> tuple[str, list[str]]:
    """An operator backed by a bundled op; a reflected one is reached from a number only."""
    if name in UNARY_OPERATORS:
        return name, ["self"]
    operand = "float" if name.startswith("__r") else OPERAND
    return name, ["self", f"other: {operand}"]


LINE_LENGTH = 100  # ruff's, from pyproject.toml: a longer declaration is split as ruff would


def _def_lines(head: str, parameters: list[str], indent: str) -> list[str]:
    """``def head(parameters) -> Value: ...`` at ``indent``, split the way ruff formats it."""
    one = f"{indent}def {head}({', '.join(parameters)}) -> Value: ..."
    if len(one) <= LINE_LENGTH:
        return [one]
    inner = f"{indent}    {', '.join(parameters)}"
    if len(inner) <= LINE_LENGTH:
        return [f"{indent}def {head}(", inner, f"{indent}) -> Value: ..."]
    each = [f"{indent}    {parameter}," for parameter in parameters]
    return [f"{indent}def {head}(", *each, f"{indent}) -> Value: ..."]


def _block(declarations: list[tuple[str, list[str]]], indent: str) -> str:
    body = [line for d in declarations for line in _def_lines(*d, indent=indent + "    ")]
    lines = [f"{indent}{BEGIN}", f"{indent}if TYPE_CHECKING:", "", *body, f"{indent}{END}"]
    return "\n".join(lines)


def value_block(ops: list[Op]) -> str:
    operators = sorted({name for op in ops for name in op.operators})
    declarations = [operator(name) for name in operators]
    declarations += [method(op) for op in ops]
    return _block(declarations, "    ")


def functional_block(ops: list[Op]) -> str:
    return _block([function(op) for op in ops], "")


TARGETS = {
    ROOT / "neurograd_core" / "value.py": value_block,
    ROOT / "neurograd_core" / "functional.py": functional_block,
}


def replace_block(text: str, block: str, path: Path) -> str:
    """``text`` with the lines from BEGIN to END (inclusive) replaced by ``block``."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise SystemExit(f"{path}: expected one pair of marker lines:\n  {BEGIN}\n  {END}")
    return "\n".join([*lines[: starts[0]], block, *lines[ends[0] + 1 :]])


def rendered() -> dict[Path, tuple[str, str]]:
    """For each target file: (its text now, its text with fresh declarations)."""
    ops = bundled_ops()
    out = {}
    for path, render in TARGETS.items():
        text = path.read_text()
        out[path] = (text, replace_block(text, render(ops), path))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = 0
    for path, (now, fresh) in rendered().items():
        if now == fresh:
            continue
        stale += 1
        shown = path.relative_to(ROOT)
        if args.check:
            diff = difflib.unified_diff(
                now.splitlines(), fresh.splitlines(), f"{shown} (now)", f"{shown} (generated)"
            )
            print("\n".join(diff))
        else:
            path.write_text(fresh)
            print(f"rewrote the op declarations in {shown}")
    if args.check and stale:
        print("stale op declarations: run python tools/declare_ops.py", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
