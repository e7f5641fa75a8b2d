"""The ``neurograd`` command itself: version, usage errors, Ctrl-C and closed pipes."""

import os
import re
import subprocess
import sys
import types
from importlib import metadata
from pathlib import Path

import pytest

from neurograd_core import hookimpl
from neurograd_core.cli import main

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("neurograd_core", "neurograd_ops", "neurograd_nn", "neurograd_viz")


def command_plugin(name, run):
    """A plugin object contributing one command, for the neurograd_plugin fixture."""
    plugin = types.ModuleType(f"plugin_{name}")

    @hookimpl
    def register_commands(register):
        register(name, run, help=f"the {name} command")

    plugin.register_commands = register_commands
    return plugin


def test_version_prints_the_distribution_version(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"neurograd {metadata.version('neurograd-engine')}\n"


def test_the_version_is_written_once_in_pyproject_and_everything_reads_it(capsys):
    text = (ROOT / "pyproject.toml").read_text()
    (declared,) = re.findall(r'^version = "([^"]+)"$', text, flags=re.M)
    assert metadata.version("neurograd-engine") == declared, (
        "the installed metadata is stale: run pip install -e . again"
    )
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"neurograd {declared}\n"
    # no second copy to drift: the code reads the installed metadata (scaffold.py holds
    # the first version of a *new* plugin, which is not Neurograd's)
    copies = [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "scaffold.py"
        and re.search(
            r"__version__\s*=|version\s*=\s*['\"]" + re.escape(declared), path.read_text()
        )
    ]
    assert copies == []


def test_ctrl_c_in_a_command_exits_130_with_one_line(neurograd_plugin, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    neurograd_plugin(command_plugin("slow", interrupted))
    assert main(["slow"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "neurograd: interrupted\n"
    assert captured.out == ""


def test_unknown_option_of_a_command_shows_that_commands_usage(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["plugins", "--bogus"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: neurograd plugins [-h] [--json]")
    assert err.rstrip().endswith("neurograd plugins: error: unrecognized arguments: --bogus")


def test_unknown_option_before_the_command_shows_the_top_level_usage(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--bogus", "plugins"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: neurograd [-h]")
    assert "neurograd: error: unrecognized arguments: --bogus" in err


def test_output_into_a_closed_pipe_is_no_traceback():
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGRAD_")}
    env["NEUROGRAD_LOAD_PLUGINS"] = ""
    # some 400 kB of text: more than a pipe holds, so printing meets the closed pipe
    args = ["graph", "+".join(["x"] * 5000), "--set", "x=1", "--max-nodes", "20000"]
    code = f"import sys; from neurograd_core.cli import main; sys.exit(main({args!r}))"
    reader = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    reader.stdout.read(1)
    reader.stdout.close()  # as `| head -c 1` does
    stderr = reader.stderr.read().decode()
    reader.wait(timeout=60)
    assert stderr == ""
    assert reader.returncode == 1
