"""state_dict round trips, JSON files, and every bad input leaving the model exactly as it was."""

import json
import math
import os
import random
import stat

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


def write_state(path, state_text):
    path.write_text('{"format": "neurograd-state-dict", "version": 1, "state": ' + state_text + "}")
    return path


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_in_a_file_are_refused(trained, fresh, tmp_path, number):
    key = "layers.1.neurons.0.w"
    state = trained.state_dict()
    state[key][1] = "PLACEHOLDER"
    text = json.dumps(state).replace('"PLACEHOLDER"', number)
    path = write_state(tmp_path / "weights.json", text)
    before = snapshot(fresh)
    with pytest.raises(ValueError) as error:
        load(fresh, path)
    assert str(path) in str(error.value) and key in str(error.value)
    assert "not finite" in str(error.value)
    assert snapshot(fresh) == before


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_load_state_dict_refuses_non_finite_numbers(trained, fresh, number):
    state = trained.state_dict()
    state["layers.0.neurons.3.w"][0] = number
    assert_rejected(fresh, state, ValueError, r"'layers.0.neurons.3.w\[0\]' is not finite")


def test_an_int_too_large_for_a_float_names_the_key(trained, fresh):
    state = trained.state_dict()
    state["layers.2.neurons.0.b"] = 10**400
    assert_rejected(fresh, state, ValueError, r"'layers.2.neurons.0.b' .*too large")


def test_a_huge_integer_in_a_file_names_the_file_and_key(trained, fresh, tmp_path):
    state = trained.state_dict()
    state["layers.2.neurons.0.b"] = 10**400
    path = write_state(tmp_path / "huge.json", json.dumps(state))
    before = snapshot(fresh)
    with pytest.raises(ValueError, match=r"huge\.json.*'layers.2.neurons.0.b'"):
        load(fresh, path)
    assert snapshot(fresh) == before


@pytest.mark.parametrize("where", ["document", "state"])
def test_deeply_nested_json_is_a_value_error_naming_the_file(fresh, tmp_path, where):
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.json"
    if where == "document":
        path.write_text(deep)
    else:
        write_state(path, '{"layers.0.neurons.0.b": ' + deep + "}")
    before = snapshot(fresh)
    with pytest.raises(ValueError, match=r"deep\.json.*nested too deeply"):
        load(fresh, path)
    assert snapshot(fresh) == before


def test_save_keeps_the_permission_bits_of_an_existing_file(trained, tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    path.chmod(0o640)
    save(trained, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    path.chmod(0o604)
    save(trained, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_follows_the_umask(trained, tmp_path, umask):
    previous = os.umask(umask)
    try:
        save(trained, tmp_path / "model.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "model.json").stat().st_mode) == 0o666 & ~umask


def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(trained, fresh, tmp_path):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "real.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    assert save(trained, link) == link
    assert link.is_symlink() and link.resolve() == target
    load(fresh, target)
    assert snapshot(fresh) == snapshot(trained)
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["real.json"]


def test_saving_to_an_empty_path_names_it(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="empty path"):
        save(trained, "")
    assert list(tmp_path.iterdir()) == []


def test_saving_into_a_missing_folder_names_the_path_given(trained, tmp_path):
    path = tmp_path / "no" / "such" / "folder" / "model.json"
    with pytest.raises(FileNotFoundError) as error:
        save(trained, path)
    assert error.value.filename == str(path)
    assert str(path) in str(error.value) and ".tmp" not in str(error.value)


def test_saving_onto_a_folder_names_it(trained, tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as error:
        save(trained, folder)
    assert error.value.filename == str(folder) and ".tmp" not in str(error.value)
    assert list(folder.iterdir()) == [] and sorted(tmp_path.iterdir()) == [folder]
