"""The documentation's Python examples, run as a reader would: shared by the docs tests
(tests/docs) and the site build (tools/docs_hooks.py), so an example that fails or
prints something other than what its comments promise fails both."""

from __future__ import annotations

import contextlib
import io
import re

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# A python block and the ```text block right after it, if any: its exact output.
WITH_OUTPUT = re.compile(
    r"^```python\n(.*?)^```$(?:\s*^```text\n(.*?)^```$)?", re.MULTILINE | re.DOTALL
)


def python_blocks(markdown: str) -> list[str]:
    """The page's ```python blocks (not ```python signature or other variants)."""
    return PYTHON_BLOCK.findall(markdown)


def promised_output(block: str) -> list[str]:
    """What the block's comments say it prints: '# prints 24.7041' or '# 16.0 24.0'."""
    promised = []
    for line in block.splitlines():
        if "print(" in line and "#" in line:
            comment = line.split("#", 1)[1].strip()
            promised.append(comment.removeprefix("prints ").split(",")[0].strip())
    return promised


def run_page(markdown: str, where: str) -> None:
    """Run the page's blocks in order in one namespace, with the registry put back after.

    Raises ``AssertionError`` naming the block when it prints other than promised.
    """
    from neurograd_core import registry

    namespace: dict[str, object] = {}
    with registry.isolated():
        for number, (block, shown) in enumerate(WITH_OUTPUT.findall(markdown)):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(block, f"{where} (python block {number})", "exec"), namespace)
            printed = [line for line in out.getvalue().split("\n") if line]
            promised = shown.rstrip("\n").split("\n") if shown else promised_output(block)
            if printed != promised:
                raise AssertionError(
                    f"{where}, python block {number}: printed {printed}, promised {promised}"
                )
