"""docs/plugins.md against the code: every hookspec with its exact signature, every
conformance check, and every code example executed."""

import inspect
import re
from pathlib import Path

import pluggy
import pytest

from neurograd_core import hookspecs
from neurograd_core.registry import registry
from neurograd_core.testing import CHECKS

pytest_plugins = ["pytester"]

PAGE = Path(__file__).parents[2] / "docs" / "plugins.md"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
FILE_MARK = re.compile(r"# file: (\S+)\n")


def _blocks(info: str) -> list[str]:
    """The code blocks of the page whose fence line reads ```<info>."""
    return [code for fence, code in FENCE.findall(PAGE.read_text()) if fence.strip() == info]


def _hookspecs() -> dict[str, object]:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return {name: caller.spec.function for name, caller in vars(manager.hook).items()}


def _annotation(annotation: object) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _signature_line(function) -> str:
    """``def name(arg: Type, ...) -> Return`` as the hookspec is written."""
    signature = inspect.signature(function)
    params = []
    for p in signature.parameters.values():
        text = p.name if p.annotation is p.empty else f"{p.name}: {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {p.default!r}"
        params.append(text)
    returns = signature.return_annotation
    arrow = "" if returns is signature.empty else f" -> {_annotation(returns)}"
    return f"def {function.__name__}({', '.join(params)}){arrow}"


def _documented_signatures() -> list[str]:
    return [line for code in _blocks("python signature") for line in code.splitlines() if line]


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_hookspec_is_documented_with_its_exact_signature(name):
    function = _hookspecs()[name]
    argnames = ", ".join(inspect.signature(function).parameters)
    assert f"\n### {name}({argnames})\n" in PAGE.read_text(), f"no heading for hook {name}"
    assert _signature_line(function) in _documented_signatures()


def test_every_documented_hook_exists():
    documented = {re.match(r"def (\w+)\(", line).group(1) for line in _documented_signatures()}
    assert documented == set(_hookspecs())


def test_every_conformance_check_is_in_the_table():
    rows = set(re.findall(r"^\| `(\w+)` \|", PAGE.read_text(), re.MULTILINE))
    assert set(CHECKS) <= rows


def test_code_examples_run(pytester):
    """Blocks marked ``# file: NAME`` become files and the test files among them pass;
    every other python block runs as a script, with those files importable."""
    files, scripts = {}, []
    for code in _blocks("python"):
        mark = FILE_MARK.match(code)
        if mark:
            files[mark.group(1)] = code
        else:
            scripts.append(code)
    assert scripts and any(name.startswith("test_") for name in files)
    for name, code in files.items():
        pytester.path.joinpath(name).write_text(code)
    pytester.syspathinsert()
    for code in scripts:
        with registry.isolated():
            exec(compile(code, str(PAGE), "exec"), {"__name__": "docs_example"})
    recorder = pytester.inline_run("-p", "no:cacheprovider")
    passed, skipped, failed = recorder.listoutcomes()
    assert not failed and not skipped
    assert len(passed) > 20  # every conformance case of the page's plugins, and more
