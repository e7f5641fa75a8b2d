"""The README's Python examples run and print what the README says they print."""

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

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
    assert len(BLOCKS) >= 2


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


CONSOLE = re.findall(r"```console\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_a_console_example():
    assert any(block.startswith("$ neurograd ") for block in CONSOLE)


@pytest.mark.parametrize("block", CONSOLE, ids=[f"console{i}" for i in range(len(CONSOLE))])
def test_readme_command_prints_what_it_shows(block, tmp_path, monkeypatch, capsys):
    """Each ```console block: a ``$ neurograd ...`` line, then exactly what it prints."""
    from neurograd_core.cli import main

    command, *shown = block.rstrip("\n").split("\n")
    assert command.startswith("$ neurograd ")
    monkeypatch.chdir(tmp_path)  # files it writes land here
    assert main(shlex.split(command.removeprefix("$ neurograd "))) == 0
    assert capsys.readouterr().out.rstrip("\n").split("\n") == shown


def test_readme_graph_example_shows_gradients_that_are_not_all_zero():
    [graph] = [block for block in CONSOLE if block.startswith("$ neurograd graph ")]
    leaves = re.findall(r"\] '\w+' data \S+ grad (\S+)", graph)
    assert leaves and any(float(grad) != 0.0 for grad in leaves)
