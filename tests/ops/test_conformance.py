"""The bundled plugins run the plugin authors' conformance kit on themselves."""

from neurograd_core.testing import conformance
from neurograd_ops import activations, arithmetic, exponentials

POW_EXPONENTS = [{"exponent": e} for e in (2, 3, -1, 0.5, -0.5, -1.5, 0)]

test_arithmetic = conformance(arithmetic, attrs={"pow": POW_EXPONENTS})
test_activations = conformance(activations, attrs={"leaky_relu": [{"negative_slope": 0.2}]})
test_exponentials = conformance(exponentials)
