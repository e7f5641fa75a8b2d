"""Python ints too large for a float: the infinity of their sign, never an OverflowError."""

import math

import pytest

from neurograd_core import Value, registry
from neurograd_core.op import BINARY_OPERATORS, REFLECTED_OPERATORS

HUGE = 10**400
INF = math.inf


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    )


def outcome(make, *points):
    """Value and gradients of ``make`` on leaves at ``points``."""
    leaves = [Value(p) for p in points]
    out = make(*leaves)
    out.backward()
    return [out.data, *[leaf.grad for leaf in leaves]]


@pytest.mark.parametrize(
    "number, infinity",
    [(HUGE, INF), (-HUGE, -INF), (2**1024, INF)],
    ids=["10**400", "-10**400", "2**1024"],
)
def test_value_of_a_huge_int_is_its_infinity(number, infinity):
    assert Value(number).data == infinity


def operators():
    """Every operator method some registered op backs (the registry decides, not this test)."""
    backed = sorted(
        name for name in BINARY_OPERATORS | REFLECTED_OPERATORS if registry.backing(name)
    )
    assert {"__add__", "__rmul__", "__pow__", "__rpow__"} <= set(backed)
    return backed


@pytest.mark.parametrize("operator", operators())
@pytest.mark.parametrize("number", [HUGE, -HUGE], ids=["10**400", "-10**400"])
@pytest.mark.parametrize("x", [2.0, 0.5, -3.0, 0.0])
def test_every_operator_takes_a_huge_int_as_its_infinity(operator, number, x):
    infinity = INF if number > 0 else -INF
    got = outcome(lambda v: getattr(Value, operator)(v, number), x)
    want = outcome(lambda v: getattr(Value, operator)(v, infinity), x)
    assert all(same(a, b) for a, b in zip(got, want)), f"{operator}: {got} vs {want}"


@pytest.mark.parametrize(
    "base, exponent, expected",
    [(0.5, HUGE, 0.0), (1.0, HUGE, 1.0), (2.0, -HUGE, 0.0), (2.0, HUGE, INF), (0.5, -HUGE, INF)],
    ids=["0.5**10**400", "1**10**400", "2**-10**400", "2**10**400", "0.5**-10**400"],
)
def test_powers_of_huge_ints_are_their_limits(base, exponent, expected):
    assert (Value(base) ** exponent).data == expected
    assert Value(base).pow(exponent=exponent).data == expected


def test_a_huge_int_base_or_exponent_of_a_value():
    assert (HUGE ** Value(0.5)).data == INF
    assert (Value(2.0) ** Value(HUGE)).data == INF


@pytest.mark.parametrize("number", [HUGE, -HUGE], ids=["10**400", "-10**400"])
def test_backward_takes_a_huge_int_gradient_as_its_infinity(number):
    x = Value(3.0)
    (x * 2.0).backward(gradient=number)
    assert x.grad == (INF if number > 0 else -INF)


def test_attributes_take_a_huge_int_as_its_infinity():
    got = outcome(lambda v: v.leaky_relu(negative_slope=HUGE), -2.0)
    assert got == outcome(lambda v: v.leaky_relu(negative_slope=INF), -2.0) == [-INF, INF]
    assert (Value(3.0) ** HUGE).op.attrs == {"exponent": INF}


def test_load_state_dict_refuses_a_huge_int_naming_the_entry():
    from neurograd_nn import Neuron

    neuron = Neuron(2)
    state = neuron.state_dict()
    before = [p.data for p in neuron.parameters()]
    name = next(iter(state))
    with pytest.raises(ValueError, match=f"{name}.*too large"):
        neuron.load_state_dict(
            {
                **state,
                name: HUGE if not isinstance(state[name], list) else [HUGE] * len(state[name]),
            }
        )
    assert [p.data for p in neuron.parameters()] == before
