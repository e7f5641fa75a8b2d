"""state_dict round trips, JSON files, and every bad input leaving the model exactly as it was."""

import json
import math
import random

import pytest

from neurograd_nn import MLP
from neurograd_nn.serialization import load, read_state, save


def snapshot(model):
    return [p.data for p in model.parameters()]


def outputs(model):
    return [model(x).data for x in ([0.5, -1.0], [2.0, 0.25], [-1.5, -0.75])]


@pytest.fixture
def trained():
    random.seed(21)
    return MLP(2, [4, 3, 1])


@pytest.fixture
def fresh():
    random.seed(22)
    return MLP(2, [4, 3, 1])


def test_state_dict_round_trip_gives_identical_outputs(trained, fresh):
    assert outputs(fresh) != outputs(trained)
    fresh.load_state_dict(trained.state_dict())
    assert outputs(fresh) == outputs(trained)
    assert snapshot(fresh) == snapshot(trained)


def test_state_dict_is_a_copy(trained):
    state = trained.state_dict()
    state["layers.0.neurons.0.w"][0] = 123.0
    assert trained.layers[0].neurons[0].w[0].data != 123.0


def test_file_round_trip_is_plain_json(trained, fresh, tmp_path):
    path = save(trained, tmp_path / "model.json")
    document = json.loads(path.read_text())
    assert document["format"] == "neurograd-state-dict" and document["version"] == 1
    assert document["state"]["layers.2.neurons.0.b"] == trained.layers[2].neurons[0].b.data
    load(fresh, path)
    assert outputs(fresh) == outputs(trained)
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left


def test_floats_survive_the_file_bit_for_bit(trained, fresh, tmp_path):
    trained.layers[0].neurons[0].w[0].data = 0.1 + 0.2
    trained.layers[0].neurons[0].w[1].data = 5e-324
    load(fresh, save(trained, tmp_path / "m.json"))
    assert snapshot(fresh) == snapshot(trained)


def assert_rejected(model, state, error, message):
    before = snapshot(model)
    with pytest.raises(error, match=message):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_missing_key_is_an_error_and_changes_nothing(trained, fresh):
    state = trained.state_dict()
    del state["layers.1.neurons.2.b"]
    assert_rejected(fresh, state, KeyError, r"missing keys \['layers.1.neurons.2.b'\]")


def test_unexpected_key_is_an_error_and_changes_nothing(trained, fresh):
    state = trained.state_dict()
    state["layers.3.neurons.0.b"] = 1.0
    assert_rejected(fresh, state, KeyError, r"unexpected keys \['layers.3.neurons.0.b'\]")


def test_wrong_shape_is_an_error_and_changes_nothing(trained, fresh):
    state = trained.state_dict()
    state["layers.2.neurons.0.w"] = state["layers.2.neurons.0.w"][:-1]  # the last entry
    assert_rejected(
        fresh, state, ValueError, "'layers.2.neurons.0.w' has the wrong shape: expected a list of 3"
    )
    state = trained.state_dict()
    state["layers.0.neurons.1.b"] = [0.0]
    assert_rejected(fresh, state, ValueError, "expected a scalar, got a list of 1")


@pytest.mark.parametrize("bad", ["0.5", None, True, [0.5]])
def test_non_numbers_are_rejected(trained, fresh, bad):
    state = trained.state_dict()
    state["layers.2.neurons.0.w"][2] = bad
    error = ValueError if isinstance(bad, list) else TypeError
    assert_rejected(fresh, state, error, r"layers.2.neurons.0.w\[2\]")


def test_a_model_of_another_shape_is_rejected(fresh):
    assert_rejected(fresh, MLP(3, [4, 3, 1]).state_dict(), ValueError, "wrong shape")
    assert_rejected(fresh, MLP(2, [5, 3, 1]).state_dict(), KeyError, "unexpected keys")
    assert_rejected(fresh, "not a dict", TypeError, "expects a mapping, got str")


def test_non_strict_loading_ignores_missing_and_unexpected_keys(trained, fresh):
    state = {"layers.0.neurons.0.b": 0.75, "extra": 1.0}
    fresh.load_state_dict(state, strict=False)
    assert fresh.layers[0].neurons[0].b.data == 0.75


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "neurograd-state-dict", "version": 1, "state": {"lay', "not a valid"),
        ("", "not a valid"),
        ("[1, 2, 3]", "is not a Neurograd state file"),
        ('{"format": "neurograd-state-dict", "version": 99, "state": {}}', "version 99"),
        ('{"format": "neurograd-state-dict", "version": 1, "state": []}', "'state' is not"),
    ],
)
def test_corrupt_files_are_value_errors_and_change_nothing(fresh, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content)
    before = snapshot(fresh)
    with pytest.raises(ValueError, match=message):
        load(fresh, path)
    assert snapshot(fresh) == before


def test_binary_garbage_is_a_value_error(fresh, tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04\x95\xff\xfe not json")
    with pytest.raises(ValueError, match="not a valid Neurograd state file"):
        read_state(path)


def test_a_missing_file_is_file_not_found(fresh, tmp_path):
    with pytest.raises(FileNotFoundError):
        load(fresh, tmp_path / "absent.json")


def test_non_finite_parameters_are_not_saved(trained, tmp_path):
    trained.layers[1].neurons[0].b.data = math.nan
    with pytest.raises(ValueError, match="'layers.1.neurons.0.b' is not finite"):
        save(trained, tmp_path / "model.json")
    assert list(tmp_path.iterdir()) == []


def test_save_and_load_check_their_arguments(tmp_path):
    with pytest.raises(TypeError, match="save expects a neurograd_nn Module"):
        save({"a": 1.0}, tmp_path / "x.json")
    with pytest.raises(TypeError, match="load expects a neurograd_nn Module"):
        load([], tmp_path / "x.json")
