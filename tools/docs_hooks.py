"""mkdocs hooks (mkdocs.yml ``hooks:``): fail ``mkdocs build --strict`` on an undocumented
public name or a failing example.

* Every name in the ``__all__`` of a public module must be rendered by a ``::: module.name``
  line of an API page (docs/api/), and a public function or class must have a docstring
  of its own; every bundled plugin module must be rendered too.
* The Python blocks of the user guide and the home page run as the page is built, and
  must print what their comments promise (plugins.md is run by tests/docs, which
  builds a package from it).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from doc_examples import run_page  # noqa: E402

log = logging.getLogger("mkdocs.hooks.neurograd")

PUBLIC_MODULES = [
    "neurograd_core",
    "neurograd_core.functional",
    "neurograd_core.replay",
    "neurograd_core.testing",
    "neurograd_nn",
    "neurograd_viz",
]
RUN_PAGES = ("index.md", "guide/")


def _rendered(docs_dir: Path) -> set[str]:
    """Every identifier a ``::: identifier`` line of an API page renders."""
    names = set()
    for page in (docs_dir / "api").glob("*.md"):
        for line in page.read_text().splitlines():
            if line.startswith("::: "):
                names.add(line.removeprefix("::: ").strip())
    return names


def _has_own_docstring(value: Any) -> bool:
    if inspect.isclass(value):
        return bool(value.__dict__.get("__doc__"))
    if inspect.isfunction(value):
        return bool(value.__doc__)
    return True  # a constant or an instance: its page says what it is


def on_pre_build(config: Any) -> None:
    os.environ.setdefault("NEUROGRAD_LOAD_PLUGINS", "")  # the bundled plugins, as tests do
    rendered = _rendered(Path(config["docs_dir"]))
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if f"{module_name}.{name}" not in rendered:
                log.warning(f"{module_name}.{name} is public (__all__) but no API page renders it")
            elif not _has_own_docstring(getattr(module, name)):
                log.warning(f"{module_name}.{name} has no docstring")
    for entry_point in metadata.entry_points(group="neurograd"):
        bundled = entry_point.dist is not None and entry_point.dist.name == "neurograd-engine"
        if (
            bundled
            and entry_point.value.startswith("neurograd_ops.")
            and (entry_point.value not in rendered)
        ):
            log.warning(f"bundled plugin module {entry_point.value} has no API page section")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    path = page.file.src_uri
    if path == RUN_PAGES[0] or path.startswith(RUN_PAGES[1]):
        try:
            run_page(markdown, path)
        except Exception as err:
            log.warning(f"an example of {path} failed: {err!r}")
    return markdown
