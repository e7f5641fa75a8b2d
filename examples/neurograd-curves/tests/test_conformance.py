"""Every check of Neurograd's conformance kit, for every op of this plugin."""

import neurograd_trig

from neurograd_core.testing import conformance

test_conformance = conformance(neurograd_trig)
