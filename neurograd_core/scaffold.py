"""``neurograd new-plugin NAME``: a complete plugin distribution to start from.

It writes a folder ``neurograd-NAME`` holding what docs/plugins.md describes:
``pyproject.toml`` with the entry point, a module with one op written to the op
contract (softsign, to be replaced), a test file that runs the conformance kit
in one line, and a README saying how to install, test and publish. The name is
checked first and the folder is written under a temporary name, then renamed:
a refusal or a failure leaves nothing behind.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# lowercase words joined by single - or _ ; the first starts with a letter
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
PREFIXES = ("neurograd-", "neurograd_")


class PluginNameError(ValueError):
    """A plugin name that ``neurograd new-plugin`` cannot use, and why."""


@dataclass(frozen=True)
class PluginNames:
    """Every name of one plugin, derived from the one its author chose."""

    plugin: str  # the entry point's name: what `neurograd plugins` shows
    distribution: str  # what pip installs and PyPI lists
    module: str  # what Neurograd imports
    op: str  # the example op: a method of Value once the plugin loads


def plugin_names(name: str) -> PluginNames:
    """The names of plugin ``name`` (``my-ops`` or ``neurograd-my-ops``), or a
    ``PluginNameError`` saying what is wrong with it."""
    plugin = name
    for prefix in PREFIXES:
        if plugin.startswith(prefix):
            plugin = plugin[len(prefix) :]
    if not NAME_PATTERN.fullmatch(plugin):
        raise PluginNameError(
            f"{name!r} is not a usable plugin name: use lowercase letters and digits, "
            "starting with a letter, words joined by single - or _ (e.g. softsign, my-ops)"
        )
    names = PluginNames(
        plugin=plugin,
        distribution=f"neurograd-{plugin.replace('_', '-')}",
        module=f"neurograd_{plugin.replace('-', '_')}",
        op=plugin.replace("-", "_"),
    )
    _check_free(names)
    return names


def _check_free(names: PluginNames) -> None:
    """Refuse names already taken where this plugin would be installed."""
    from neurograd_core.plugins import normalize, plugin_infos
    from neurograd_core.registry import RESERVED_NAMES, registry

    if keyword.iskeyword(names.op):
        raise PluginNameError(f"{names.plugin!r}: its op {names.op!r} would be a Python keyword")
    if names.op in RESERVED_NAMES:
        raise PluginNameError(
            f"{names.plugin!r}: its op would hide the Value attribute {names.op!r}; "
            "choose another name"
        )
    if names.op in registry:
        raise PluginNameError(
            f"{names.plugin!r}: an op named {names.op!r} is already registered by "
            f"{registry.provider_of(names.op)!r}; choose another name"
        )
    for info in plugin_infos():
        if info.name == names.plugin:
            raise PluginNameError(
                f"{names.plugin!r}: a plugin of that name is already installed "
                f"(from {info.distribution}); choose another name"
            )
        if normalize(info.distribution) == normalize(names.distribution):
            raise PluginNameError(
                f"{names.plugin!r}: the distribution {names.distribution} is already "
                "installed; choose another name"
            )


def _engine_version() -> str | None:
    from neurograd_core.plugins import DISTRIBUTION

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def _torch_requirement() -> str:
    """PyTorch as Neurograd's own test extra pins it: the version the kit is checked with."""
    from neurograd_core.plugins import DISTRIBUTION

    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        requirements = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        if re.match(r"torch\b", spec.strip()) and "test" in marker:
            return spec.strip().replace(" ", "")
    return "torch"


def plugin_files(names: PluginNames) -> dict[str, str]:
    """The files of the new plugin: relative path -> text."""
    version = _engine_version()
    engine = "neurograd-engine" + (f">={version}" if version else "")
    fields = {
        "plugin": names.plugin,
        "distribution": names.distribution,
        "module": names.module,
        "op": names.op,
        "engine": engine,
        "torch": _torch_requirement(),
    }
    return {
        "pyproject.toml": PYPROJECT.format(**fields),
        f"{names.module}.py": MODULE.format(**fields),
        "tests/test_conformance.py": TESTS.format(**fields),
        "README.md": README.format(**fields),
        ".gitignore": GITIGNORE,
    }


def write_plugin(name: str, parent: Path) -> tuple[Path, list[str]]:
    """Write plugin ``name`` into a new folder in ``parent``: (the folder, its files).

    Raises ``PluginNameError`` for a bad name and ``FileExistsError`` when the
    folder is there already; either way nothing is written.
    """
    names = plugin_names(name)
    folder = Path(parent) / names.distribution
    if folder.exists() or folder.is_symlink():
        raise FileExistsError(
            f"{folder} already exists; choose another name or another --directory"
        )
    files = plugin_files(names)
    staging = Path(tempfile.mkdtemp(prefix=f".{names.distribution}-", dir=parent))
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.chmod(0o777 & ~_umask())
        os.rename(staging, folder)  # nothing is seen at `folder` until it is complete
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder, list(files)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{distribution}"
version = "0.1.0"
description = "A Neurograd plugin: the op {op}."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["{engine}"]

[project.optional-dependencies]
# torch is pinned: an open range pulls a multi-GB CUDA build on machines without a GPU.
test = ["pytest>=8", "{torch}"]

# What makes this a Neurograd plugin: the module Neurograd loads, under the name
# `neurograd plugins` shows.
[project.entry-points.neurograd]
{plugin} = "{module}"

[tool.setuptools]
py-modules = ["{module}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-ra --strict-markers"
# The neurograd_registry fixture holds the bundled ops and this plugin's.
neurograd_plugins = ["{module}"]
"""

MODULE = '''\
"""Neurograd plugin {distribution}: the op ``{op}``.

An op is written once over the array namespace ``xp``: the same two functions run
eagerly on floats, replayed on numpy arrays and torch tensors, and on Values for
gradients of gradients. Branch with ``xp.where``, never a Python ``if`` on an input.
Neurograd's conformance kit checks every form (tests/test_conformance.py).

``{op}`` is an example to replace with your own op: softsign, x / (1 + |x|).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neurograd_core import Op, hookimpl


def {op}_forward(xp: Any, x: Any) -> Any:
    """softsign: x / (1 + |x|)."""
    return x / (1 + xp.abs(x))


def {op}_backward(xp: Any, grad: Any, out: Any, x: Any) -> tuple[Any]:
    """One gradient per input, the upstream ``grad`` multiplied in: 1 / (1 + |x|)**2."""
    d = 1 + xp.abs(x)
    return (grad / (d * d),)


def {op}_torch(x: Any) -> Any:
    """PyTorch's equivalent, which the kit checks values and gradients against."""
    import torch  # imported when the kit calls it: the plugin stays light to import

    return torch.nn.functional.softsign(x)


OPS = (Op("{op}", {op}_forward, {op}_backward, torch={op}_torch),)


@hookimpl
def register_ops(register: Callable[..., Any]) -> None:
    for op in OPS:
        register(op)
'''

TESTS = '''\
"""Every check of Neurograd's conformance kit, for every op of this plugin."""

from neurograd_core.testing import conformance

import {module}

test_conformance = conformance({module})
'''

README = """\
# {distribution}

A plugin for Neurograd, the scalar autograd engine: it adds the op `{op}`, so that
`Value(0.5).{op}()` works once it is installed. `{module}.py` holds the op, written
once over the array namespace `xp` as Neurograd's op contract asks (its
docs/plugins.md); the example body is softsign, to be replaced with yours.

## Install

Into the environment where Neurograd (`neurograd-engine`) is installed:

    pip install -e ".[test]"       # this plugin, editable, with pytest and PyTorch
    neurograd plugins              # lists "{plugin}  ({distribution} 0.1.0, third-party, {module})"

    from neurograd_core import Value
    y = Value(0.5).{op}()
    y.backward()

## Test

    NEUROGRAD_STRICT_PLUGINS=1 python -m pytest

`tests/test_conformance.py` is one line: Neurograd's conformance kit checks every op
the plugin registers (finite differences, the chain rule, arrays, tensors, second
order, against PyTorch's equivalent), and checks added to the kit later reach it
without a change here. `NEUROGRAD_STRICT_PLUGINS=1` makes a plugin that fails to load
fail the run instead of warning.

## Publish

    python -m pip install build twine
    python -m build                # the sdist and the wheel, in dist/
    twine check dist/*             # the metadata and README render
    twine upload dist/*            # to PyPI, with your account's API token

Then anyone installs it with `pip install {distribution}`, and Neurograd finds it by its
entry point (the `[project.entry-points.neurograd]` table of `pyproject.toml`).
"""

GITIGNORE = """\
__pycache__/
*.egg-info/
build/
dist/
.venv/
"""
