"""The pytest plugin's fixtures register plugins for one test only, and the plugin changes
nothing in a run that does not ask for them."""

import re
import subprocess
import sys

import pytest_neurograd
from neurograd_core.registry import registry

pytest_plugins = ["pytester"]

DOUBLE_PLUGIN = """
from neurograd_core import Op, hookimpl


@hookimpl
def register_ops(register):
    register(Op("double", lambda xp, x: 2.0 * x, lambda xp, grad, out, x: (2.0 * grad,)))


@hookimpl
def register_commands(register):
    register("greet", lambda args: print("hello from double"), help="say hello")
"""


def test_neurograd_plugin_registers_ops_and_commands_for_one_test(pytester):
    pytester.makepyfile(double_plugin=DOUBLE_PLUGIN)
    pytester.makepyfile(
        test_double="""
        import pytest
        import double_plugin
        from neurograd_core import Value, registry
        from neurograd_core.cli import main


        def test_registered(neurograd_plugin, capsys):
            plugin = neurograd_plugin(double_plugin, name="double-plugin")
            assert plugin.ops == ["double"]
            assert list(plugin.commands) == ["greet"]
            assert registry.provider_of("double") == "double-plugin"
            assert Value(3.0).double().data == 6.0
            assert main(["greet"]) == 0
            assert capsys.readouterr().out == "hello from double\\n"


        def test_gone_afterwards(capsys):
            assert "double" not in registry
            assert not hasattr(Value, "double")
            with pytest.raises(SystemExit):
                main(["greet"])
            assert "invalid choice: 'greet'" in capsys.readouterr().err
        """
    )
    pytester.inline_run("-p", "no:cacheprovider").assertoutcome(passed=2)


def test_neurograd_plugin_reports_a_misspelt_hook(pytester):
    pytester.makepyfile(
        typo_plugin="""
        from neurograd_core import hookimpl

        @hookimpl
        def register_op(register):
            pass
        """,
        test_typo="""
        import typo_plugin

        def test_typo(neurograd_plugin):
            neurograd_plugin(typo_plugin)
        """,
    )
    recorder = pytester.inline_run("-p", "no:cacheprovider")
    (failure,) = recorder.getfailures()
    assert "unknown hook 'register_op'" in failure.longreprtext


def test_neurograd_registry_holds_bundled_ops_and_the_plugins_under_test(pytester):
    pytester.makepyfile(double_plugin=DOUBLE_PLUGIN)
    pytester.makeini("[pytest]\nneurograd_plugins = double_plugin\n")
    pytester.makepyfile(
        test_registry="""
        from neurograd_core import Op, Value, register_op, registry

        # registered outside any fixture, like an op from another installed plugin
        register_op(Op("triple", lambda xp, x: 3.0 * x, lambda xp, grad, out, x: (3.0 * grad,)))


        def test_inside(neurograd_registry):
            assert neurograd_registry is registry
            assert {"add", "mul", "pow", "tanh", "relu", "double"} <= set(registry.names())
            assert "triple" not in registry
            assert Value(2.0).double().data == 4.0


        def test_restored_afterwards():
            assert "triple" in registry and "double" not in registry
        """
    )
    with registry.isolated():  # the test module registers "triple" in this process
        pytester.inline_run("-p", "no:cacheprovider").assertoutcome(passed=2)


def test_plugin_adds_no_autouse_fixture_and_no_hook_but_its_ini_option(pytester):
    pytester.makepyfile(
        test_plain="""
        def test_plain(request):
            print("FIXTURES", sorted(request.fixturenames))
            print("KIT LOADED", request.config.pluginmanager.has_plugin("neurograd"))
        """
    )

    def fixtures_and_kit(*args):
        output = pytester.runpytest("-s", "-p", "no:cacheprovider", *args).stdout.str()
        return re.search(r"FIXTURES .*", output).group(), re.search(
            r"KIT LOADED \w+", output
        ).group()

    with_kit, without_kit = fixtures_and_kit(), fixtures_and_kit("-p", "no:neurograd")
    assert (with_kit[1], without_kit[1]) == ("KIT LOADED True", "KIT LOADED False")
    assert with_kit[0] == without_kit[0]
    hooks = [name for name in vars(pytest_neurograd) if name.startswith("pytest_")]
    assert hooks == ["pytest_addoption"]


def test_loading_the_pytest_plugin_imports_no_neurograd():
    code = (
        "import sys, pytest_neurograd; "
        "print(sorted(m for m in sys.modules if m.startswith(('neurograd', 'pytest_neurograd'))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.split() == ["['pytest_neurograd']"]


def test_starting_pytest_loads_no_neurograd_until_a_fixture_asks(pytester):
    pytester.makepyfile(
        test_startup="""
        import sys

        def test_nothing_loaded():
            assert "pytest_neurograd" in sys.modules  # the plugin is active ...
            assert not [m for m in sys.modules if m.startswith("neurograd")]  # ... and light

        def test_fixture_loads_it(neurograd_registry):
            assert "neurograd_core" in sys.modules and "add" in neurograd_registry
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
