"""Save a module's parameters to a JSON file and load them back. Never pickle.

JSON holds only numbers, lists and strings, so loading a file cannot run code.
The file is written next to its destination and renamed into place, so an
interrupted save never leaves a half-written file under the real name. The
same writer and reader serve checkpoints (``neurograd_nn.checkpoint``).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from neurograd_nn.module import Module

FORMAT = "neurograd-state-dict"
VERSION = 1


def _numbers(value: Any, name: str) -> Iterator[tuple[str, Any]]:
    """(name, number) for every number in nested lists, without recursion (files may be deep)."""
    pending = [(name, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, (list, tuple)):
            pending.extend((f"{where}[{i}]", entry) for i, entry in reversed(list(enumerate(item))))
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            yield where, item


def non_finite_entry(state: dict[str, Any]) -> str | None:
    """Where ``state`` holds NaN, an infinity or an int too large for a float, else None."""
    for key, value in state.items():
        for where, number in _numbers(value, str(key)):
            try:
                finite = math.isfinite(number)
            except OverflowError:
                return f"{where!r} is not finite (an integer too large for a float)"
            if not finite:
                return f"{where!r} is not finite ({number!r})"
    return None


def _check_finite(state: dict[str, Any]) -> None:
    """Standard JSON has no NaN or infinity: refuse them rather than write a non-standard file."""
    problem = non_finite_entry(state)
    if problem:
        raise ValueError(f"cannot save: parameter entry {problem}")


def save(module: Module, path: str | os.PathLike[str]) -> Path:
    """Write ``module.state_dict()`` to ``path`` as JSON; returns the path."""
    if not isinstance(module, Module):
        raise TypeError(f"save expects a neurograd_nn Module, got {type(module).__name__}")
    state = module.state_dict()
    _check_finite(state)
    document = {"format": FORMAT, "version": VERSION, "model": repr(module), "state": state}
    return write_json(path, document)


def write_json(path: str | os.PathLike[str], document: dict[str, Any]) -> Path:
    """Write ``document`` to ``path`` atomically, as ``path`` itself would be written.

    The text goes to a new file beside the destination, then replaces it in one
    rename. So that the rename changes nothing but the content: a symlink's
    target is written (the link stays), an existing file keeps its permission
    bits, and a new file gets the umask's (``open()``'s 0o666 & ~umask). OS
    errors name the path given, never the temporary file.
    """
    given = os.fspath(path)
    if given == "":
        raise ValueError("cannot save to an empty path")
    destination = Path(os.path.realpath(given))
    if destination.is_dir():
        raise IsADirectoryError(21, "Is a directory", given)
    text = json.dumps(document, indent=1, allow_nan=False)
    try:
        mode = stat.S_IMODE(destination.stat().st_mode)
    except FileNotFoundError:
        mode = None
    temporary = destination.with_name(f".{destination.name}.{secrets.token_hex(6)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as err:
        raise type(err)(err.errno, err.strerror, given) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            if mode is not None:
                os.chmod(temporary, mode)
            file.write(text)
        os.replace(temporary, destination)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise type(err)(err.errno, err.strerror, given) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Path(given)


def read_json(path: str | os.PathLike[str], format: str, version: int, kind: str) -> dict[str, Any]:
    """The JSON object in ``path`` after checking its format and version, or a ValueError.

    ``kind`` names the file in messages ("state file", "checkpoint").
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        reason: str | None = str(err)
    except UnicodeDecodeError:
        reason = "not UTF-8 text"
    except RecursionError:  # json recurses once per nested list or object
        reason = "nested too deeply"
    else:
        reason = None
    if reason is not None:
        raise ValueError(f"{path} is not a valid Neurograd {kind}: {reason}")
    if not isinstance(document, dict) or document.get("format") != format:
        raise ValueError(f"{path} is not a Neurograd {kind} (no 'format': {format!r})")
    if document.get("version") != version:
        raise ValueError(
            f"{path} has {kind} version {document.get('version')!r}; "
            f"this Neurograd reads version {version}"
        )
    return document


def read_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The state dict stored in a file written by ``save``, or a ValueError naming the problem."""
    document = read_json(path, FORMAT, VERSION, "state file")
    state = document.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a valid Neurograd state file: 'state' is not an object")
    problem = non_finite_entry(state)
    if problem:
        raise ValueError(f"{path}: state entry {problem}")
    return state


def load(module: Module, path: str | os.PathLike[str], strict: bool = True) -> Module:
    """Load the parameters saved in ``path`` into ``module``; on any error it is unchanged."""
    if not isinstance(module, Module):
        raise TypeError(f"load expects a neurograd_nn Module, got {type(module).__name__}")
    module.load_state_dict(read_state(path), strict=strict)
    return module
