"""Every check of Neurograd's conformance kit, for every op of this plugin."""

import neurograd_curves

from neurograd_core.testing import conformance

test_conformance = conformance(neurograd_curves)
