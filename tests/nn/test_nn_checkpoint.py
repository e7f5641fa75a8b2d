"""Optimizer and schedule state, checkpoints, and a stopped run resuming bit for bit."""

import json
import math
import random

import pytest

from neurograd_core import Value
from neurograd_nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    LambdaLR,
    StepLR,
    load_checkpoint,
    save_checkpoint,
)
from neurograd_nn.datasets import make_moons
from neurograd_nn.training import train

X, Y = make_moons(24, noise=0.1, random_state=3)
INPUTS, LABELS = X.tolist(), (2 * Y - 1).tolist()
STEPS, STOP_AFTER = 12, 5


def build(kind, seed):
    random.seed(seed)
    model = MLP(2, [6, 6, 1])
    if kind == "sgd":
        optimizer = SGD(model.parameters(), lr=0.2, momentum=0.9, weight_decay=1e-3)
        schedule = LambdaLR(optimizer, lambda k: 1.0 - 0.05 * k)
    else:
        optimizer = Adam(model.parameters(), lr=0.05, betas=(0.8, 0.99), weight_decay=1e-3)
        schedule = StepLR(optimizer, step_size=4, gamma=0.5)
    return model, optimizer, schedule


def bits(model):
    return [p.data.hex() for p in model.parameters()]


def trained_optimizer(kind):
    model, optimizer, schedule = build(kind, seed=1)
    train(model, optimizer, schedule, INPUTS, LABELS, 3)
    return model, optimizer, schedule


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_a_resumed_run_ends_bit_identical_to_an_unbroken_one(kind, tmp_path):
    model, optimizer, schedule = build(kind, seed=1)
    unbroken = train(model, optimizer, schedule, INPUTS, LABELS, STEPS)

    first = build(kind, seed=1)
    before_stop = train(*first, INPUTS, LABELS, STOP_AFTER)
    path = save_checkpoint(tmp_path / "run.json", *first)
    del first  # the process that trained them is gone

    resumed = build(kind, seed=99)  # a new process builds the objects afresh
    assert bits(resumed[0]) != bits(model)
    load_checkpoint(path, *resumed)
    after_resume = train(*resumed, INPUTS, LABELS, STEPS - STOP_AFTER)

    assert bits(resumed[0]) == bits(model)
    assert before_stop + after_resume == unbroken
    assert resumed[1].state_dict() == optimizer.state_dict()
    assert resumed[2].state_dict() == schedule.state_dict()


def test_weights_alone_do_not_resume_exactly(tmp_path):
    """The proof above needs the optimizer's state: without it the runs differ."""
    model, optimizer, schedule = build("adam", seed=1)
    train(model, optimizer, schedule, INPUTS, LABELS, STEPS)
    first = build("adam", seed=1)
    train(*first, INPUTS, LABELS, STOP_AFTER)
    resumed = build("adam", seed=99)
    resumed[0].load_state_dict(first[0].state_dict())
    train(*resumed, INPUTS, LABELS, STEPS - STOP_AFTER)
    assert bits(resumed[0]) != bits(model)


@pytest.mark.parametrize("make", [SGD, Adam, AdamW], ids=lambda c: c.__name__)
def test_optimizer_state_round_trips_through_json(make):
    random.seed(5)
    model = MLP(2, [3, 1])
    kwargs = {"momentum": 0.5, "nesterov": True} if make is SGD else {}
    optimizer = make(model.parameters(), lr=0.1, **kwargs)
    train(model, optimizer, None, INPUTS, LABELS, 2)
    other = make(model.parameters(), lr=0.7)
    other.load_state_dict(json.loads(json.dumps(optimizer.state_dict())))
    assert other.state_dict() == optimizer.state_dict()
    assert other.steps == 2 and other.lr == 0.1


def test_state_dict_is_a_copy():
    _, optimizer, _ = trained_optimizer("adam")
    state = optimizer.state_dict()
    state["first_moment"][0] = 123.0
    assert optimizer.first_moment[0] != 123.0


def change(key, value):
    def edit(state):
        state[key] = value

    return edit


def change_item(key, index, value):
    def edit(state):
        state[key][index] = value

    return edit


def drop(key):
    return lambda state: state.pop(key)


@pytest.mark.parametrize(
    ("kind", "edit", "error", "message"),
    [
        ("sgd", drop("velocity"), KeyError, r"missing keys \['velocity'\]"),
        ("sgd", change("extra", 1), KeyError, r"unexpected keys \['extra'\]"),
        ("sgd", change("type", "Adam"), ValueError, "is for a 'Adam', not a SGD"),
        (
            "sgd",
            change("velocity", [0.0]),
            ValueError,
            r"'velocity' has 1 entries; .* 67",
        ),
        ("sgd", change("velocity", 0.5), TypeError, "'velocity' must be a list"),
        ("sgd", change_item("velocity", 4, math.nan), ValueError, r"velocity\[4\] must be finite"),
        ("sgd", change_item("velocity", 4, math.inf), ValueError, r"velocity\[4\] must be finite"),
        ("sgd", change_item("velocity", 4, 10**400), ValueError, r"velocity\[4\] must be finite"),
        ("sgd", change_item("velocity", 4, "0.1"), TypeError, r"velocity\[4\] must be a number"),
        ("sgd", change("lr", math.nan), ValueError, "bad setting: lr must be >= 0"),
        ("sgd", change("lr", 10**400), ValueError, "bad setting: lr must be finite"),
        ("sgd", change("momentum", 0.0), ValueError, "bad setting: nesterov needs"),
        ("sgd", change("nesterov", "yes"), TypeError, "nesterov must be True or False"),
        ("sgd", change("steps", -1), ValueError, "steps must be >= 0"),
        ("sgd", change("steps", 2.5), TypeError, "steps must be a whole number"),
        ("adam", change_item("second_moment", 0, -1.0), ValueError, r"second_moment\[0\] must be"),
        ("adam", change_item("first_moment", 2, math.inf), ValueError, r"first_moment\[2\] must"),
        ("adam", change("betas", [0.9, 1.5]), ValueError, r"betas\[1\] must be in"),
        ("adam", change("steps", True), TypeError, "steps must be a whole number"),
    ],
)
def test_bad_optimizer_state_is_refused_and_changes_nothing(kind, edit, error, message):
    _, optimizer, _ = trained_optimizer(kind)
    if kind == "sgd":  # give Nesterov a setting the constructor checks against momentum
        optimizer.nesterov = True
    before = optimizer.state_dict()
    state = optimizer.state_dict()
    for key in ("first_moment", "second_moment", "velocity"):
        if key in state:
            state[key] = [x + 1.0 for x in state[key]]
    state["lr"] = 0.125
    edit(state)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(state)
    assert optimizer.state_dict() == before


def test_optimizer_refuses_a_non_mapping():
    _, optimizer, _ = trained_optimizer("sgd")
    with pytest.raises(TypeError, match="expects a mapping, got list"):
        optimizer.load_state_dict([])


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (drop("last_epoch"), KeyError, r"missing keys \['last_epoch'\]"),
        (change("type", "LambdaLR"), ValueError, "is for a 'LambdaLR', not a StepLR"),
        (change("last_epoch", -2), ValueError, "last_epoch must be >= 0"),
        (change("base_lr", math.inf), ValueError, "base_lr must be >= 0"),
        (change("last_lr", math.nan), ValueError, "last_lr must be >= 0"),
    ],
)
def test_bad_schedule_state_is_refused_and_changes_nothing(edit, error, message):
    _, _, schedule = trained_optimizer("adam")
    before = schedule.state_dict()
    state = schedule.state_dict()
    state["last_epoch"] = 40
    edit(state)
    with pytest.raises(error, match=message):
        schedule.load_state_dict(state)
    assert schedule.state_dict() == before


def test_schedule_state_round_trips():
    _, _, schedule = trained_optimizer("sgd")
    _, _, other = build("sgd", seed=2)
    other.load_state_dict(schedule.state_dict())
    assert other.state_dict() == schedule.state_dict() and other.last_epoch == 3


def test_checkpoint_is_one_plain_json_file(tmp_path):
    model, optimizer, schedule = trained_optimizer("sgd")
    path = save_checkpoint(tmp_path / "run.json", model, optimizer, schedule)
    document = json.loads(path.read_text())
    assert document["format"] == "neurograd-checkpoint"
    assert document["optimizer"]["velocity"] == optimizer.velocity
    assert document["schedule"]["last_epoch"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def everything(model, optimizer, schedule):
    return model.state_dict(), optimizer.state_dict(), schedule.state_dict()


def edit_file(path, edit):
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (lambda d: d["schedule"].update(last_epoch=-1), ValueError, "schedule: .*last_epoch"),
        (lambda d: d["optimizer"]["velocity"].pop(), ValueError, "optimizer: .*'velocity' has"),
        (lambda d: d["optimizer"].update(lr="NAN"), ValueError, r"optimizer entry 'lr' is not"),
        (lambda d: d.update(schedule=None), ValueError, "holds no schedule state"),
        (lambda d: d.update(optimizer=[]), ValueError, "'optimizer' is not an object"),
        (lambda d: d.update(version=2), ValueError, "checkpoint version 2"),
    ],
)
def test_a_refused_checkpoint_changes_nothing(tmp_path, edit, error, message):
    saved = trained_optimizer("sgd")
    path = save_checkpoint(tmp_path / "run.json", *saved)
    edit_file(path, edit)
    path.write_text(path.read_text().replace('"NAN"', "NaN"))
    target = build("sgd", seed=7)
    before = everything(*target)
    with pytest.raises(error, match=message) as refused:
        load_checkpoint(path, *target)
    assert str(path) in str(refused.value)
    assert everything(*target) == before


def test_a_later_part_refused_rolls_back_the_earlier_ones(tmp_path):
    saved = trained_optimizer("sgd")
    path = save_checkpoint(tmp_path / "run.json", *saved)
    edit_file(path, lambda d: d["schedule"].update(type="StepLR"))
    target = build("sgd", seed=7)
    before = everything(*target)
    with pytest.raises(ValueError, match="schedule: state dict is for a 'StepLR'"):
        load_checkpoint(path, *target)
    assert everything(*target) == before


def test_checkpoint_needs_the_parts_it_holds(tmp_path):
    model, optimizer, schedule = trained_optimizer("sgd")
    path = save_checkpoint(tmp_path / "run.json", model, optimizer, schedule)
    with pytest.raises(ValueError, match="holds a schedule state: pass the schedule"):
        load_checkpoint(path, model, optimizer)
    plain = save_checkpoint(tmp_path / "plain.json", model, optimizer)
    load_checkpoint(plain, model, optimizer)
    with pytest.raises(TypeError, match="optimizer must be a neurograd_nn Optimizer"):
        save_checkpoint(tmp_path / "x.json", model, schedule)


def test_non_finite_state_is_not_checkpointed(tmp_path):
    model, optimizer, schedule = trained_optimizer("adam")
    optimizer.second_moment[3] = math.inf
    with pytest.raises(ValueError, match=r"optimizer entry 'second_moment\[3\]' is not finite"):
        save_checkpoint(tmp_path / "run.json", model, optimizer, schedule)
    assert list(tmp_path.iterdir()) == []


def test_an_int_setting_is_stored_as_a_float():
    p = Value(1.0)
    optimizer = SGD([p], lr=0.5)
    state = optimizer.state_dict()
    state["lr"] = 1  # an int is a number: accepted and stored as a float
    optimizer.load_state_dict(state)
    assert optimizer.lr == 1.0 and isinstance(optimizer.lr, float)
