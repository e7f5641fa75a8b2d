"""An MLP exported to torch.nn.Sequential computes the same function, and comes back unchanged."""

import random

import pytest
import torch

from neurograd_nn import MLP

INPUTS = [[0.5, -1.0, 0.25], [2.0, 0.3, -0.7], [-1.5, -0.75, 1.0]]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "silu"])
def test_exported_sequential_gives_the_same_outputs(activation):
    random.seed(5)
    model = MLP(3, [8, 8, 2], activation=activation)
    sequential = model.to_torch()
    assert isinstance(sequential, torch.nn.Sequential)
    assert len(sequential) == 5 and all(p.dtype == torch.float64 for p in sequential.parameters())
    with torch.no_grad():
        theirs = sequential(torch.tensor(INPUTS, dtype=torch.float64)).tolist()
    for x, reference in zip(INPUTS, theirs):
        assert [v.data for v in model(x)] == pytest.approx(reference, rel=1e-12, abs=1e-15)


def test_round_trip_is_exact_and_leaves_random_untouched():
    random.seed(8)
    model = MLP(3, [4, 1])
    state = random.getstate()
    back = MLP.from_torch(model.to_torch())
    assert random.getstate() == state
    assert repr(back) == repr(model)
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert [back(x).data for x in INPUTS] == [model(x).data for x in INPUTS]


def test_import_of_a_torch_built_model():
    torch.manual_seed(0)
    sequential = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)
    ).double()
    model = MLP.from_torch(sequential)
    assert repr(model).startswith("MLP of [Layer of [TanhNeuron(3)")
    with torch.no_grad():
        theirs = sequential(torch.tensor(INPUTS, dtype=torch.float64))[:, 0].tolist()
    assert [model(x).data for x in INPUTS] == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        ([torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(2, 1)], "3 outputs feeds one"),
        ([torch.nn.Linear(2, 3), torch.nn.Linear(3, 1), torch.nn.ReLU()], "one activation"),
        ([torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1, bias=False)], "bias"),
        ([torch.nn.Linear(2, 3), torch.nn.Dropout(), torch.nn.Linear(3, 1)], "Dropout"),
        ([torch.nn.ReLU()], "module 0 \\(ReLU\\) does not fit"),
        ([], "no Linear layer"),
        (
            [torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2), torch.nn.Linear(3, 1)],
            "default slope",
        ),
    ],
)
def test_sequentials_that_are_not_mlps_are_rejected(modules, message):
    with pytest.raises(ValueError, match=message):
        MLP.from_torch(torch.nn.Sequential(*modules))


def test_bad_arguments():
    with pytest.raises(TypeError, match="expects a torch.nn.Sequential, got Linear"):
        MLP.from_torch(torch.nn.Linear(2, 1))
    with pytest.raises(ValueError, match="'softplus' has no torch.nn equivalent"):
        MLP(2, [2, 1], activation="softplus").to_torch()
