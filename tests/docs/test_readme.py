"""The README's Python examples run and print what the README says they print."""

import contextlib
import io
import re
from pathlib import Path

import pytest

# The examples import torch. In-process pytester runs (test_plugins_doc) put
# sys.modules back as they found it, and torch cannot be imported twice in one
# process: so it is imported here, when tests are collected, before those runs.
import torch  # noqa: F401

from neurograd_core import registry

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def promised_output(block):
    """What the block's comments say it prints: '# prints 24.7041' or '# 16.0 24.0'."""
    promised = []
    for line in block.splitlines():
        if "print(" in line and "#" in line:
            comment = line.split("#", 1)[1].strip()
            promised.append(comment.removeprefix("prints ").split(",")[0].strip())
    return promised


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_prints_what_it_promises(block):
    out = io.StringIO()
    with registry.isolated(), contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {})
    printed = out.getvalue().split("\n")
    assert [line for line in printed if line] == promised_output(block)
