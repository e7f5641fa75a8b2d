"""Settings for the whole suite, applied before neurograd_core is first imported.

The suite must give the same result whatever third-party plugins are installed,
so only the bundled plugins load, and strictly: a broken bundled plugin fails
the run instead of warning.
"""

import os

os.environ["NEUROGRAD_LOAD_PLUGINS"] = ""
os.environ["NEUROGRAD_STRICT_PLUGINS"] = "1"
