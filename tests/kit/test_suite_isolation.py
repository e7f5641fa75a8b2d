"""The project's own suite sees only the bundled plugins, whatever third-party plugins are
installed (tests/conftest.py selects them). CI runs this with the example plugin installed."""

from neurograd_core.plugins import plugin_infos
from neurograd_core.registry import registry


def test_only_bundled_plugins_are_loaded():
    loaded = [info for info in plugin_infos() if info.loaded]
    assert loaded
    assert [info.distribution for info in loaded if not info.bundled] == []


def test_no_op_comes_from_a_third_party_plugin():
    third_party = {info.name for info in plugin_infos() if not info.bundled}
    assert {registry.provider_of(name) for name in registry.names()} & third_party == set()
