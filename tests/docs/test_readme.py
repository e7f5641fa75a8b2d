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
# A Python block, and the ```text block right after it when there is one: its exact output.
EXAMPLES = re.findall(
    r"```python\n(.*?)```(?:\s*```text\n(.*?)```)?", README.read_text(), flags=re.DOTALL
)
BLOCKS = [block for block, _ in EXAMPLES]


def promised_output(block):
    """What the block's comments say it prints: '# prints 24.7041' or '# 16.0 24.0'."""
    promised = []
    for line in block.splitlines():
        if "print(" in line and "#" in line:
            comment = line.split("#", 1)[1].strip()
            promised.append(comment.removeprefix("prints ").split(",")[0].strip())
    return promised


def test_readme_has_examples():
    assert len(BLOCKS) >= 1  # the rest moved to docs/guide (tests/docs/test_guide.py)


@pytest.mark.parametrize(
    ("block", "output"), EXAMPLES, ids=[f"block{i}" for i in range(len(EXAMPLES))]
)
def test_readme_example_prints_what_it_promises(block, output):
    out = io.StringIO()
    with registry.isolated(), contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {})
    if output:
        assert out.getvalue() == output
        return
    printed = out.getvalue().split("\n")
    assert [line for line in printed if line] == promised_output(block)


def _readme_table() -> str:
    text = README.read_text()
    found = re.search(r"<!-- bundled ops: [^\n]*-->\n(.*?)<!-- end of bundled ops -->", text, re.S)
    assert found, "README.md lost the markers of its table of bundled ops"
    return found.group(1).strip()


def test_the_table_of_bundled_ops_is_generated_from_the_registry():
    from neurograd_core.commands import op_table
    from neurograd_core.plugins import plugin_infos

    bundled = {info.name for info in plugin_infos() if info.bundled}
    ops = [op for op in registry if op.provider in bundled]
    assert len(ops) > 60
    assert _readme_table() == op_table(ops), "regenerate it: NEUROGRAD_LOAD_PLUGINS= neurograd ops"
    for row in _readme_table().splitlines()[2:]:
        name, computes, _, plugin = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert computes and plugin, f"row {name} says nothing of what it computes"


def test_neurograd_ops_prints_every_registered_op(capsys):
    from neurograd_core.cli import main
    from neurograd_core.commands import op_table

    assert main(["ops"]) == 0
    assert capsys.readouterr().out.strip() == op_table(registry)
    assert "| `remainder` | a - b * floor(a / b)" in op_table(registry)
    assert "| `%` | rounding |" in op_table(registry)
