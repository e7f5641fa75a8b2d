"""Settings for the whole suite, applied before neurograd_core is first imported.

The suite must give the same result whatever third-party plugins are installed,
so only the bundled plugins load, and strictly: a broken bundled plugin fails
the run instead of warning.
"""

import os
import sys

# In-process pytester runs (tests/kit, tests/docs) put sys.modules back as they
# found it; numpy cannot be imported twice in one process, so it is imported first.
import numpy  # noqa: F401

os.environ["NEUROGRAD_LOAD_PLUGINS"] = ""
os.environ["NEUROGRAD_STRICT_PLUGINS"] = "1"

# pytest imports the plugins of its "pytest11" entry points before this file, and
# Neurograd's (neurograd_core.testing.pytest_plugin) imports neurograd_core, which has
# loaded every installed plugin by then: load them again with the settings above.
if "neurograd_core" in sys.modules:
    from neurograd_core.plugins import load_plugins

    load_plugins()
