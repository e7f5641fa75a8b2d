"""``neurograd new-plugin NAME``: a plugin distribution that installs, passes its tests and
is listed; bad names and taken folders are refused with nothing written."""

import importlib.util
import os
import re
import subprocess
import sys
import sysconfig
import time
import venv

import pytest

from neurograd_core.cli import main
from neurograd_core.plugins import commands
from neurograd_core.testing import conformance_cases

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

FILES = [
    "pyproject.toml",
    "neurograd_soft_sign.py",
    "tests/test_conformance.py",
    "README.md",
    ".gitignore",
]


def new_plugin(name, parent, capsys):
    status = main(["new-plugin", name, "--directory", str(parent)])
    return status, capsys.readouterr()


def listing(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_new_plugin_is_contributed_by_the_core_plugin():
    assert commands()["new-plugin"].provider == "core"


def test_writes_a_complete_distribution(tmp_path, capsys):
    status, out = new_plugin("soft-sign", tmp_path, capsys)
    folder = tmp_path / "neurograd-soft-sign"
    assert status == 0, out.err
    assert out.out.startswith(f"wrote {folder}:\n")
    assert listing(folder) == sorted(FILES)
    assert oct(folder.stat().st_mode & 0o777) != oct(0o700)  # not left as a private temp dir

    text = (folder / "pyproject.toml").read_text()
    if tomllib is not None:
        project = tomllib.loads(text)
        assert project["project"]["name"] == "neurograd-soft-sign"
        assert project["project"]["entry-points"]["neurograd"] == {
            "soft-sign": "neurograd_soft_sign"
        }
        assert project["project"]["dependencies"][0].startswith("neurograd-engine")
        assert project["tool"]["setuptools"]["py-modules"] == ["neurograd_soft_sign"]
        assert "torch==2.13.0" in project["project"]["optional-dependencies"]["test"]
    assert '[project.entry-points.neurograd]\nsoft-sign = "neurograd_soft_sign"' in text

    tests = (folder / "tests" / "test_conformance.py").read_text()
    (one_line,) = [line for line in tests.splitlines() if "conformance(" in line]
    assert one_line == "test_conformance = conformance(neurograd_soft_sign)"

    readme = (folder / "README.md").read_text()
    for command in ('pip install -e ".[test]"', "python -m pytest", "python -m build"):
        assert command in readme
    assert "twine upload dist/*" in readme and "neurograd plugins" in readme


def test_its_op_is_written_to_the_contract_and_passes_the_kit(tmp_path, capsys):
    assert new_plugin("soft-sign", tmp_path, capsys)[0] == 0
    path = tmp_path / "neurograd-soft-sign" / "neurograd_soft_sign.py"
    spec = importlib.util.spec_from_file_location("neurograd_soft_sign", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (op,) = module.OPS
    assert op.name == "soft_sign" and op.torch is not None
    cases = conformance_cases(module)
    assert {case.check for case in cases} >= {"finite_differences", "torch", "second_order"}
    for case in cases:
        case.run()  # raises ConformanceError naming the op and the check


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Softsign", "'Softsign' is not a usable plugin name: use lowercase letters"),
        ("1op", "'1op' is not a usable plugin name"),
        ("my ops", "'my ops' is not a usable plugin name"),
        ("my--ops", "'my--ops' is not a usable plugin name"),
        ("neurograd-", "'neurograd-' is not a usable plugin name"),
        ("../evil", "'../evil' is not a usable plugin name"),
        ("relu", "an op named 'relu' is already registered by 'activations'"),
        ("grad", "its op would hide the Value attribute 'grad'"),
        ("lambda", "its op 'lambda' would be a Python keyword"),
        ("viz", "a plugin of that name is already installed (from neurograd-engine)"),
        ("engine", "the distribution neurograd-engine is already installed"),
    ],
)
def test_an_invalid_or_taken_name_is_refused(name, message, tmp_path, capsys):
    status, out = new_plugin(name, tmp_path, capsys)
    assert status == 2
    assert out.err.startswith("neurograd new-plugin: error: ")
    assert message in out.err
    assert out.out == "" and list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused_and_kept(tmp_path, capsys):
    folder = tmp_path / "neurograd-squash"
    folder.mkdir()
    (folder / "mine.py").write_text("keep me")
    status, out = new_plugin("squash", tmp_path, capsys)
    assert status == 2
    assert f"neurograd new-plugin: error: {folder} already exists" in out.err
    assert listing(tmp_path) == ["neurograd-squash/mine.py"]
    assert (folder / "mine.py").read_text() == "keep me"


def test_the_neurograd_prefix_is_the_same_plugin(tmp_path, capsys):
    assert new_plugin("neurograd-squash", tmp_path, capsys)[0] == 0
    assert new_plugin("squash", tmp_path, capsys)[1].err.endswith(
        "already exists; choose another name or another --directory\n"
    )


def layered_venv(path):
    """A venv that sees the packages of the running environment (as --system-site-packages
    would see the system's) and installs into its own site-packages."""
    venv.EnvBuilder(with_pip=False).create(path)
    python = path / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = sysconfig.get_paths()["purelib"]
    with open(os.path.join(site, "_outer_environment.pth"), "w") as pth:
        pth.write(f"import site; site.addsitedir({outer!r})\n")
    return python


def test_generated_plugin_installs_passes_its_tests_and_is_listed(tmp_path, capsys):
    started = time.perf_counter()
    assert new_plugin("soft-sign", tmp_path, capsys)[0] == 0
    folder = tmp_path / "neurograd-soft-sign"
    python = layered_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGRAD_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    def run(*argv, cwd=tmp_path, extra_env=()):
        result = subprocess.run(
            [str(python), *argv],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**env, **dict(extra_env)},
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    run("-m", "pip", "install", "-q", str(folder))
    pytest_argv = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
    strict = {"NEUROGRAD_STRICT_PLUGINS": "1"}
    tests = run(*pytest_argv, cwd=folder, extra_env=strict)
    assert re.search(r"^12 passed in ", tests, re.M), tests

    shown = run("-m", "neurograd_core.cli", "plugins")
    assert "soft-sign  (neurograd-soft-sign 0.1.0, third-party, neurograd_soft_sign)" in shown
    assert "  ops:      soft_sign\n" in shown
    value = run("-c", "from neurograd_core import Value; print(Value(1.0).soft_sign().data)")
    assert value == "0.5\n"
    # installed into the new venv only: the environment running this suite never sees it
    assert (
        "soft-sign"
        not in subprocess.run(
            [sys.executable, "-m", "neurograd_core.cli", "plugins"],
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    )
    assert time.perf_counter() - started < 120

    # and its one-line test catches a wrong gradient (run from the folder: the source counts)
    module = folder / "neurograd_soft_sign.py"
    module.write_text(module.read_text().replace("grad / (d * d)", "grad / d"))
    broken = subprocess.run(
        [str(python), *pytest_argv],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**env, **strict},
        timeout=300,
    )
    assert broken.returncode == 1
    assert "soft_sign-finite_differences" in broken.stdout
