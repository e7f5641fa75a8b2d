"""Save a module's parameters to a JSON file and load them back. Never pickle.

JSON holds only numbers, lists and strings, so loading a file cannot run code.
The file is written next to its destination and renamed into place, so an
interrupted save never leaves a half-written file under the real name.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from neurograd_nn.module import Module

FORMAT = "neurograd-state-dict"
VERSION = 1


def _check_finite(state: dict[str, Any]) -> None:
    """Standard JSON has no NaN or infinity: refuse them rather than write a non-standard file."""

    def finite(value: Any) -> bool:
        if isinstance(value, list):
            return all(finite(item) for item in value)
        return math.isfinite(value)

    for name, value in state.items():
        if not finite(value):
            raise ValueError(f"cannot save: parameter entry {name!r} is not finite ({value!r})")


def save(module: Module, path: str | os.PathLike[str]) -> Path:
    """Write ``module.state_dict()`` to ``path`` as JSON; returns the path."""
    if not isinstance(module, Module):
        raise TypeError(f"save expects a neurograd_nn Module, got {type(module).__name__}")
    state = module.state_dict()
    _check_finite(state)
    document = {"format": FORMAT, "version": VERSION, "model": repr(module), "state": state}
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The state dict stored in a file written by ``save``, or a ValueError naming the problem."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not a valid Neurograd state file: {err}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a valid Neurograd state file: not UTF-8 text") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a Neurograd state file (no 'format': {FORMAT!r})")
    if document.get("version") != VERSION:
        raise ValueError(
            f"{path} has state file version {document.get('version')!r}; "
            f"this Neurograd reads version {VERSION}"
        )
    state = document.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a valid Neurograd state file: 'state' is not an object")
    return state


def load(module: Module, path: str | os.PathLike[str], strict: bool = True) -> Module:
    """Load the parameters saved in ``path`` into ``module``; on any error it is unchanged."""
    if not isinstance(module, Module):
        raise TypeError(f"load expects a neurograd_nn Module, got {type(module).__name__}")
    module.load_state_dict(read_state(path), strict=strict)
    return module
