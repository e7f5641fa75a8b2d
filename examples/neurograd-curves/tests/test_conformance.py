"""Every check of Neurograd's conformance kit, for every op of this plugin.

Neurograd is imported before the plugin: the other way round, the plugin's own
``from neurograd_core import ...`` would load every plugin while the plugin module
is still half-imported, so its entry point would register no hooks for this run
and ``neurograd plugins`` would list it without ops.
"""

import importlib

from neurograd_core.testing import conformance

test_conformance = conformance(importlib.import_module("neurograd_curves"))
