"""Settings for the whole suite, applied before neurograd_core is first imported.

The suite must give the same result whatever third-party plugins are installed,
so only the bundled plugins load, and strictly: a broken bundled plugin fails
the run instead of warning.
"""

import os
import sys

# In-process pytester runs (tests/kit, tests/docs) put sys.modules back as they
# found it; numpy (with the submodules array-api-compat loads) cannot be imported
# twice in one process, so it is imported first.
import array_api_compat.numpy  # noqa: F401
import numpy  # noqa: F401

os.environ["NEUROGRAD_LOAD_PLUGINS"] = ""
os.environ["NEUROGRAD_STRICT_PLUGINS"] = "1"

# The kit's pytest plugin (pytest_neurograd) imports nothing of Neurograd, so no
# plugin has been loaded yet: the settings above apply from the first import.
assert "neurograd_core" not in sys.modules, "something imported Neurograd before conftest"
