"""Plugin loading through entry points, with fake distributions written to a temporary folder."""

import json
import os
import re
import subprocess
import sys
import textwrap
import warnings

import pytest

from neurograd_core import OpConflictError, PluginLoadError, Value, registry
from neurograd_core.cli import main
from neurograd_core.plugins import PluginWarning, load_plugins, plugin_infos, plugin_manager

CUBE_PLUGIN = """
from neurograd_core import Op, hookimpl

@hookimpl
def register_ops(register):
    register(Op("cube", lambda xp, x: x ** 3, lambda xp, g, out, x: (3 * g * x * x,)))

@hookimpl
def register_commands(register):
    def hello(args):
        print("hello from", args.name)
        return 3
    register("hello", hello, help="say hello",
             configure=lambda parser: parser.add_argument("name"))
"""


def write_distribution(folder, dist, module, source, version="1.2.3"):
    """A minimal installed distribution: a module and a dist-info naming its entry point."""
    (folder / f"{module}.py").write_text(textwrap.dedent(source))
    info = folder / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[neurograd]\n{module} = {module}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path for fake distributions; plugins are reloaded clean afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    monkeypatch.undo()
    for name in set(sys.modules) - before:
        if name.startswith("fake_"):
            del sys.modules[name]
    load_plugins()


def info_for(name):
    return next(info for info in plugin_infos() if info.name == name)


def test_third_party_plugin_contributes_ops_and_commands(site, monkeypatch, capsys):
    write_distribution(site, "fake-cube", "fake_cube", CUBE_PLUGIN)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-cube")
    load_plugins()
    x = Value(2.0)
    y = x.cube()
    y.backward()
    assert (y.data, x.grad) == (8.0, 12.0)
    assert registry.provider_of("cube") == "fake_cube"
    assert main(["hello", "world"]) == 3
    assert "hello from world" in capsys.readouterr().out


def test_plugins_command_lists_distribution_version_hooks_ops_and_errors(site, monkeypatch, capsys):
    write_distribution(site, "fake-cube", "fake_cube", CUBE_PLUGIN)
    write_distribution(site, "fake-broken", "fake_broken", "raise ImportError('no such thing')")
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-cube,fake-broken")
    monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
    with pytest.warns(PluginWarning):
        load_plugins()
    assert main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["fake_cube"]["distribution"] == "fake-cube"
    assert listed["fake_cube"]["version"] == "1.2.3"
    assert listed["fake_cube"]["hooks"] == ["register_ops", "register_commands"]
    assert listed["fake_cube"]["ops"] == ["cube"]
    assert listed["fake_cube"]["commands"] == ["hello"]
    assert "no such thing" in listed["fake_broken"]["error"]
    assert listed["arithmetic"]["bundled"] and "add" in listed["arithmetic"]["ops"]
    assert main(["plugins"]) == 0
    text = capsys.readouterr().out
    assert "fake_broken  (fake-broken 1.2.3, third-party" in text and "no such thing" in text


def test_broken_plugin_is_reported_by_distribution_and_skipped(site, monkeypatch):
    write_distribution(site, "fake-broken", "fake_broken", "raise ImportError('missing dep')")
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-broken")
    monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
    with pytest.warns(
        PluginWarning, match=r"'fake_broken' from distribution 'fake-broken'.*missing dep"
    ):
        load_plugins()
    assert (Value(1.0) + 1.0).data == 2.0
    assert info_for("fake_broken").loaded is False


def test_strict_mode_raises_on_a_broken_plugin(site, monkeypatch):
    write_distribution(site, "fake-broken", "fake_broken", "raise ImportError('missing dep')")
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-broken")
    with pytest.raises(PluginLoadError, match="fake-broken.*missing dep"):
        load_plugins()


def test_plugin_failing_halfway_leaves_nothing_registered(site, monkeypatch):
    write_distribution(
        site,
        "fake-half",
        "fake_half",
        """
        from neurograd_core import Op, hookimpl

        @hookimpl
        def register_ops(register):
            register(Op("first_half", lambda xp, x: x, lambda xp, g, out, x: (g,)))
            raise RuntimeError("second half failed")
    """,
    )
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-half")
    monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
    with pytest.warns(PluginWarning, match="second half failed"):
        load_plugins()
    assert "first_half" not in registry
    assert not hasattr(Value, "first_half")


def test_clash_with_a_bundled_op_names_both_and_keeps_the_first(site, monkeypatch):
    write_distribution(
        site,
        "fake-clash",
        "fake_clash",
        """
        from neurograd_core import Op, hookimpl

        @hookimpl
        def register_ops(register):
            register(Op("relu", lambda xp, x: 1.0, lambda xp, g, out, x: (0.0,)))
    """,
    )
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-clash")
    with pytest.raises(
        PluginLoadError, match=r"'relu' is already registered by 'activations'.*'fake_clash'"
    ) as info:
        load_plugins()
    assert isinstance(info.value.__cause__, OpConflictError)
    monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
    with pytest.warns(PluginWarning):
        load_plugins()
    assert Value(-3.0).relu().data == 0.0
    assert registry.provider_of("relu") == "activations"


def test_explicit_replace_lets_a_plugin_override(site, monkeypatch):
    write_distribution(
        site,
        "fake-replace",
        "fake_replace",
        """
        from neurograd_core import Op, hookimpl

        @hookimpl
        def register_ops(register):
            register(Op("relu", lambda xp, x: 7.0, lambda xp, g, out, x: (0.0,)), replace=True)
    """,
    )
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-replace")
    load_plugins()
    assert Value(-3.0).relu().data == 7.0
    assert registry.provider_of("relu") == "fake_replace"


@pytest.mark.parametrize(
    "setting, loaded",
    [
        (None, True),
        ("", False),
        ("fake-cube", True),
        ("fake_cube", True),
        ("other,fake-cube", True),
        ("other", False),
    ],
)
@pytest.mark.filterwarnings("ignore:NEUROGRAD_LOAD_PLUGINS names 'other'")  # tested below
def test_load_plugins_variable_is_read_when_plugins_load(site, monkeypatch, setting, loaded):
    write_distribution(site, "fake-cube", "fake_cube", CUBE_PLUGIN)
    if setting is None:
        monkeypatch.delenv("NEUROGRAD_LOAD_PLUGINS")
    else:
        monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", setting)
    load_plugins()
    assert ("cube" in registry) is loaded
    assert hasattr(Value, "cube") is loaded
    assert "relu" in registry  # bundled plugins always load


def test_import_survives_a_broken_plugin_and_strict_mode_fails_it(tmp_path):
    write_distribution(tmp_path, "fake-broken", "fake_broken", "1 / 0")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGRAD_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    script = "from neurograd_core import Value; print((Value(2.0) * 3).data)"
    ok = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "6.0"
    assert "fake-broken" in ok.stderr and "ZeroDivisionError" in ok.stderr
    env["NEUROGRAD_STRICT_PLUGINS"] = "1"
    strict = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert strict.returncode != 0
    assert "PluginLoadError" in strict.stderr and "fake-broken" in strict.stderr


MISSPELT_HOOK_PLUGIN = """
from neurograd_core import Op, hookimpl

@hookimpl
def register_op(register):
    register(Op("cube", lambda xp, x: x ** 3, lambda xp, g, out, x: (3 * g * x * x,)))
"""


def test_unknown_hook_is_a_load_error_naming_the_hook(site, monkeypatch):
    write_distribution(site, "fake-typo", "fake_typo", MISSPELT_HOOK_PLUGIN)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-typo")
    with pytest.raises(PluginLoadError, match=r"fake-typo.*unknown hook 'register_op'"):
        load_plugins()
    monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
    with pytest.warns(PluginWarning, match=r"fake-typo.*unknown hook 'register_op'"):
        load_plugins()
    info = info_for("fake_typo")
    assert not info.loaded and "register_op" in info.error
    assert not plugin_manager().has_plugin("fake_typo")


REPLACE_ADD_THEN_FAIL = """
from neurograd_core import Op, hookimpl

@hookimpl
def register_ops(register):
    register(Op("add", lambda xp, x, y: 0.0, lambda xp, g, out, x, y: (0.0, 0.0)), replace=True)
    raise RuntimeError("changed my mind")
"""


@pytest.mark.parametrize("strict", [True, False])
def test_plugin_failing_after_replacing_an_op_leaves_the_bundled_op(
    site, monkeypatch, capsys, strict
):
    write_distribution(site, "fake-greedy", "fake_greedy", REPLACE_ADD_THEN_FAIL)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-greedy")
    if strict:
        with pytest.raises(PluginLoadError, match="changed my mind"):
            load_plugins()
    else:
        monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
        with pytest.warns(PluginWarning, match="changed my mind"):
            load_plugins()
    assert (Value(2.0) + 3.0).data == 5.0
    assert (1.0 + Value(2.0)).data == 3.0
    assert registry.provider_of("add") == "arithmetic"
    assert main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert "add" in listed["arithmetic"]["ops"]
    assert listed["fake_greedy"]["ops"] == [] and not listed["fake_greedy"]["loaded"]


def test_plugins_listing_follows_a_replaced_op(site, monkeypatch, capsys):
    write_distribution(
        site,
        "fake-replace",
        "fake_replace",
        """
        from neurograd_core import Op, hookimpl

        @hookimpl
        def register_ops(register):
            register(Op("relu", lambda xp, x: 7.0, lambda xp, g, out, x: (0.0,)), replace=True)
    """,
    )
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-replace")
    load_plugins()
    assert main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["fake_replace"]["ops"] == ["relu"]
    assert "relu" not in listed["activations"]["ops"]
    assert "tanh" in listed["activations"]["ops"]


COMMAND_PLUGIN = """
from neurograd_core import hookimpl

def own_graph(args):
    print("my graph")
    return 5

@hookimpl
def register_commands(register):
    register("extra", lambda args: 0, help="an extra command")
    register("graph", own_graph, help="my own graph", replace=REPLACE)
    FAIL
"""


def test_command_replaced_on_request_by_a_plugin(site, monkeypatch, capsys):
    source = COMMAND_PLUGIN.replace("REPLACE", "True").replace("FAIL", "")
    write_distribution(site, "fake-cmd", "fake_cmd", source)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-cmd")
    load_plugins()
    assert main(["graph"]) == 5
    assert "my graph" in capsys.readouterr().out
    assert main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert sorted(listed["fake_cmd"]["commands"]) == ["extra", "graph"]
    assert listed["viz"]["commands"] == []


@pytest.mark.parametrize(
    "replace, fail, message",
    [
        ("True", "raise RuntimeError('changed my mind')", "changed my mind"),
        ("False", "", r"command 'graph' is already provided by 'viz'.*'fake_cmd'"),
    ],
    ids=["replaced-then-failed", "clash"],
)
def test_failed_command_plugin_leaves_the_commands_as_they_were(
    site, monkeypatch, capsys, replace, fail, message
):
    source = COMMAND_PLUGIN.replace("REPLACE", replace).replace("FAIL", fail)
    write_distribution(site, "fake-cmd", "fake_cmd", source)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-cmd")
    monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
    with pytest.warns(PluginWarning, match=message):
        load_plugins()
    from neurograd_core.plugins import commands

    assert commands()["graph"].provider == "viz"
    assert "extra" not in commands()
    assert main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["viz"]["commands"] == ["graph"]
    assert listed["fake_cmd"]["commands"] == []


@pytest.mark.parametrize("strict", [True, False])
def test_plugin_calling_sys_exit_at_import_is_a_load_error(site, monkeypatch, strict):
    write_distribution(site, "fake-exit", "fake_exit", "import sys\nsys.exit(3)\n")
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-exit")
    if strict:
        with pytest.raises(PluginLoadError, match="fake-exit.*SystemExit"):
            load_plugins()
    else:
        monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
        with pytest.warns(PluginWarning, match="fake-exit.*SystemExit"):
            load_plugins()
        assert not info_for("fake_exit").loaded
    assert (Value(2.0) * 3).data == 6.0


def test_keyboard_interrupt_while_loading_propagates_and_changes_nothing(site, monkeypatch):
    write_distribution(
        site,
        "fake-interrupted",
        "fake_interrupted",
        """
        from neurograd_core import Op, hookimpl

        @hookimpl
        def register_ops(register):
            zero = Op("mul", lambda xp, x, y: 0.0, lambda xp, g, out, x, y: (0.0, 0.0))
            register(zero, replace=True)
            raise KeyboardInterrupt
    """,
    )
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-interrupted")
    monkeypatch.delenv("NEUROGRAD_STRICT_PLUGINS")
    with pytest.raises(KeyboardInterrupt):
        load_plugins()
    assert (Value(2.0) * 3).data == 6.0


BAD_CONFIGURE_PLUGIN = """
from neurograd_core import hookimpl

def configure(parser):
    parser.add_argument("--help", action="store_true")

@hookimpl
def register_commands(register):
    register("clumsy", lambda args: 0, help="a command whose parser cannot be built",
             configure=configure)
"""


def test_command_whose_configure_raises_breaks_only_itself(site, monkeypatch, capsys):
    write_distribution(site, "fake-clumsy", "fake_clumsy", BAD_CONFIGURE_PLUGIN)
    write_distribution(site, "fake-cube", "fake_cube", CUBE_PLUGIN)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-clumsy,fake-cube")
    load_plugins()
    assert main(["hello", "world"]) == 3
    captured = capsys.readouterr()
    assert "hello from world" in captured.out
    reported = [line for line in captured.err.splitlines() if "clumsy" in line]
    assert len(reported) == 1
    assert "'fake_clumsy'" in reported[0] and "--help" in reported[0]
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    error = "  error:    command 'clumsy' left out: configure(parser) failed"
    assert out.index("fake_clumsy  (") < out.index(error) < out.index("fake_cube  (")
    assert main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert "--help" in listed["fake_clumsy"]["command_errors"]["clumsy"]
    with pytest.raises(SystemExit) as exit:
        main(["clumsy"])
    assert exit.value.code == 2
    assert "invalid choice: 'clumsy'" in capsys.readouterr().err


@pytest.mark.parametrize("setting", ["cubes", "neurograd-cubes", "Neurograd_Cubes", " cubes , x"])
def test_load_plugins_variable_takes_plugin_or_distribution_names(site, monkeypatch, setting):
    write_distribution(site, "neurograd-cubes", "fake_cubes", CUBE_PLUGIN)
    entry_points = next(site.glob("*.dist-info")) / "entry_points.txt"
    entry_points.write_text("[neurograd]\ncubes = fake_cubes\n")  # listed as "cubes"
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", setting)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_plugins()
    assert "cube" in registry and info_for("cubes").loaded
    unknown = [str(w.message) for w in caught if "NEUROGRAD_LOAD_PLUGINS" in str(w.message)]
    assert len(unknown) == ("x" in setting)
    if unknown:  # other third-party plugins installed here may be listed too
        assert re.fullmatch(
            r"NEUROGRAD_LOAD_PLUGINS names 'x', which is neither a plugin nor the distribution "
            r"of one \(third-party plugins found: (.*, )?cubes(, .*)?\)",
            unknown[0],
        )


def test_unknown_name_in_load_plugins_variable_is_a_warning_naming_it(site, monkeypatch):
    write_distribution(site, "fake-cube", "fake_cube", CUBE_PLUGIN)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-cub")
    with pytest.warns(PluginWarning, match=r"NEUROGRAD_LOAD_PLUGINS names 'fake-cub'.*fake_cube"):
        load_plugins()
    assert "cube" not in registry


@pytest.mark.parametrize(
    "setting, strict",
    [("1", True), ("true", True), ("YES", True), ("", False), ("0", False), ("no", False)],
)
def test_strict_variable_values(site, monkeypatch, setting, strict):
    write_distribution(site, "fake-broken", "fake_broken", "raise ImportError('missing dep')")
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-broken")
    monkeypatch.setenv("NEUROGRAD_STRICT_PLUGINS", setting)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if strict:
            with pytest.raises(PluginLoadError):
                load_plugins()
        else:
            load_plugins()
    messages = [str(w.message) for w in caught]
    assert not any("NEUROGRAD_STRICT_PLUGINS" in m for m in messages)
    assert [m for m in messages if "missing dep" in m] == ([] if strict else [messages[0]])


@pytest.mark.parametrize("setting", ["2", "on", "strict"])
def test_strict_variable_not_understood_is_a_warning_naming_it(site, monkeypatch, setting):
    write_distribution(site, "fake-broken", "fake_broken", "raise ImportError('missing dep')")
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-broken")
    monkeypatch.setenv("NEUROGRAD_STRICT_PLUGINS", setting)
    with pytest.warns(PluginWarning) as caught:
        load_plugins()
    messages = [str(w.message) for w in caught]
    assert f"NEUROGRAD_STRICT_PLUGINS={setting!r} is not understood" in messages[0]
    assert "missing dep" in messages[1]  # loading stayed lenient


def test_command_whose_configure_exits_breaks_only_itself(site, monkeypatch, capsys):
    source = BAD_CONFIGURE_PLUGIN.replace(
        'parser.add_argument("--help", action="store_true")', 'parser.error("no way")'
    )
    write_distribution(site, "fake-clumsy", "fake_clumsy", source)
    monkeypatch.setenv("NEUROGRAD_LOAD_PLUGINS", "fake-clumsy")
    load_plugins()
    assert main(["plugins"]) == 0
    assert "command 'clumsy' of plugin 'fake_clumsy' is left out" in capsys.readouterr().err


def test_a_plugin_imported_before_neurograd_is_loaded_once_its_import_finishes(site):
    """`import my_plugin` first: its module imports neurograd_core, which loads plugins
    while my_plugin is still half-imported, before its hooks exist."""
    write_distribution(site, "fake-early", "fake_early", CUBE_PLUGIN)
    code = textwrap.dedent(
        """
        import fake_early  # imports neurograd_core part-way through its own import
        from neurograd_core import Value
        from neurograd_core.plugins import plugin_infos

        x = Value(2.0)
        y = x.cube()
        y.backward()
        info = next(i for i in plugin_infos() if i.name == "fake_early")
        print(y.data, x.grad, info.loaded, info.ops, info.error)
        """
    )
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env["NEUROGRAD_LOAD_PLUGINS"] = "fake-early"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8.0", "12.0", "True", "['cube']", "None"]


def test_a_missing_attribute_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="'Value' object has no attribute 'no_such_op'"):
        Value(1.0).no_such_op()  # noqa: B018
