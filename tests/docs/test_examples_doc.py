"""What the examples need is declared and written down: an extra for examples/digits.py,
and the install order and test needs of the example plugin."""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DIGITS = ROOT / "examples" / "digits.py"
PLUGIN = ROOT / "examples" / "neurograd-curves"


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_top_modules(path: Path) -> set[str]:
    """Every top-level module ``path`` imports, at module level or inside functions."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_digits_example_needs_only_what_the_examples_extra_and_core_install():
    declared = {
        _requirement_name(r)
        for r in PYPROJECT["project"]["dependencies"]
        + PYPROJECT["project"]["optional-dependencies"]["examples"]
    }
    declared.add(PYPROJECT["project"]["name"])  # the neurograd_* packages themselves
    providers = metadata.packages_distributions()
    needed = {}
    for module in _imported_top_modules(DIGITS) - set(sys.stdlib_module_names) - {"__future__"}:
        needed[module] = {name.lower().replace("_", "-") for name in providers[module]}
    missing = {module: dists for module, dists in needed.items() if not dists & declared}
    assert missing == {}
    assert "sklearn" in needed  # the check above saw the import inside a function


def test_digits_example_and_the_replay_guide_name_the_extra():
    extra = 'pip install -e ".[examples]"'
    assert extra in ast.get_docstring(ast.parse(DIGITS.read_text()))
    assert "scikit-learn" in ast.get_docstring(ast.parse(DIGITS.read_text()))
    assert extra in (ROOT / "docs" / "guide" / "replay.md").read_text()


def test_every_extra_the_readmes_install_exists():
    for readme, pyproject in [
        (ROOT / "README.md", ROOT / "pyproject.toml"),
        (PLUGIN / "README.md", PLUGIN / "pyproject.toml"),
    ]:
        extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
        for named in re.findall(r'pip install [^\n]*?"[^"\n]*\[(\w+)\]"', readme.read_text()):
            assert named in extras, f"{readme.name} installs the extra {named!r}"


def test_example_plugin_readme_installs_the_engine_first_and_its_test_extra():
    text = (PLUGIN / "README.md").read_text()
    installs = re.findall(r"^\s*pip install (\S+)", text, flags=re.MULTILINE)
    assert installs[:2] == ["-e", '"./examples/neurograd-curves[test]"'], installs
    assert re.search(r"^\s*pip install -e \.\s", text, flags=re.MULTILINE)
    test_extra = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["test"]
    for requirement in test_extra:  # the README says what the tests need
        assert _requirement_name(requirement) in text.lower().replace("pytorch", "torch")
