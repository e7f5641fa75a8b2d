"""The site's pages (docs/index.md, docs/guide/*.md): every Python example runs and prints
what its comments promise, every ``neurograd`` console example prints what it shows, and
the README links to the pages it moved there."""

import re
import shlex
from pathlib import Path

import pytest

from neurograd_core.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [DOCS / "index.md", *sorted((DOCS / "guide").glob("*.md"))]
CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _doc_examples():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "doc_examples", ROOT / "tools" / "doc_examples.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guide_has_its_pages():
    names = {page.name for page in PAGES}
    assert {"engine.md", "ops.md", "nn.md", "viz.md", "replay.md", "gradients.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_page_examples_print_what_they_promise(page):
    examples = _doc_examples()
    text = page.read_text()
    examples.run_page(text, page.name)


def test_a_page_whose_example_prints_otherwise_fails():
    examples = _doc_examples()
    with pytest.raises(AssertionError, match="printed \\['2'\\], promised \\['3'\\]"):
        examples.run_page("```python\nprint(1 + 1)  # 3\n```\n", "page.md")


CONSOLES = [(page, block) for page in PAGES for block in CONSOLE.findall(page.read_text())]


@pytest.mark.parametrize("page, block", CONSOLES, ids=[p.name for p, _ in CONSOLES])
def test_page_command_prints_what_it_shows(page, block, tmp_path, monkeypatch, capsys):
    command, *shown = block.rstrip("\n").split("\n")
    assert command.startswith("$ neurograd ")
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(command.removeprefix("$ neurograd "))) == 0
    assert capsys.readouterr().out.rstrip("\n").split("\n") == shown


def test_the_readme_links_every_guide_page_by_path():
    readme = (ROOT / "README.md").read_text()
    for page in PAGES[1:]:
        assert f"](docs/guide/{page.name})" in readme, page.name
    assert "](docs/plugins.md)" in readme


def test_the_graph_example_shows_gradients_that_are_not_all_zero():
    [graph] = [block for _, block in CONSOLES if block.startswith("$ neurograd graph ")]
    leaves = re.findall(r"\] '\w+' data \S+ grad (\S+)", graph)
    assert leaves and any(float(grad) != 0.0 for grad in leaves)
