"""The bundled plugins run the plugin authors' conformance kit on themselves."""

from neurograd_core.testing import conformance
from neurograd_ops import (
    activations,
    arithmetic,
    exponentials,
    hyperbolic,
    limits,
    more_activations,
    reductions,
    rounding,
    special,
    trigonometric,
)

POW_EXPONENTS = [{"exponent": e} for e in (2, 3, -1, 0.5, -0.5, -1.5, 0)]
# Bounds off the kit's grid of sample points (multiples of 0.001): no sample sits on a kink.
CLAMP_BOUNDS = [{"min": -0.5005, "max": 1.2345}, {"min": 0.2505}, {"max": -0.7505}]

test_arithmetic = conformance(arithmetic, attrs={"pow": POW_EXPONENTS})
test_activations = conformance(activations, attrs={"leaky_relu": [{"negative_slope": 0.2}]})
test_exponentials = conformance(exponentials)
test_trigonometric = conformance(trigonometric)
test_hyperbolic = conformance(hyperbolic)
test_rounding = conformance(rounding)
test_limits = conformance(limits, attrs={"clamp": CLAMP_BOUNDS})
test_special = conformance(special)
test_more_activations = conformance(
    more_activations,
    attrs={
        "gelu": [{"approximate": "tanh"}],
        "elu": [{"alpha": 0.5}],
        "celu": [{"alpha": 2.0}],
        "hardtanh": [{"min_val": -2.0005, "max_val": 0.5005}],
    },
)
test_reductions = conformance(reductions)
