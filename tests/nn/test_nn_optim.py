"""Optimizers and schedules step by step against torch.optim on the same parameters and loss."""

import math

import pytest
import torch

from neurograd_core import Value
from neurograd_nn import MLP, SGD, Adam, AdamW, LambdaLR, StepLR

START = [0.5, -1.5, 2.0, 0.1, -0.3]
STEPS = 6


def loss_of(p, sin, exp):
    """A loss with gradients of different sizes and signs per parameter (any engine)."""
    return (
        (p[0] - 1.0) ** 2
        + 3.0 * p[1] * p[2]
        + sin(p[3]) * 2.0
        + exp(p[4] * 0.5)
        + p[0] * p[4]
        + 0.1 * p[2] ** 4
    )


def our_trajectory(make_optimizer, make_schedule=None):
    params = [Value(x) for x in START]
    optimizer = make_optimizer(params)
    schedule = make_schedule(optimizer) if make_schedule else None
    steps, rates = [], []
    for _ in range(STEPS):
        loss = loss_of(params, lambda v: v.tanh(), lambda v: v.exp())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        rates.append(optimizer.lr)
        if schedule:
            schedule.step()
        steps.append([p.data for p in params])
    return steps, rates


def torch_trajectory(make_optimizer, make_schedule=None):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    optimizer = make_optimizer(params)
    schedule = make_schedule(optimizer) if make_schedule else None
    steps, rates = [], []
    for _ in range(STEPS):
        loss = loss_of(params, torch.tanh, torch.exp)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        rates.append(optimizer.param_groups[0]["lr"])
        if schedule:
            schedule.step()
        steps.append([p.item() for p in params])
    return steps, rates


def assert_same_trajectory(ours, theirs):
    (our_steps, our_rates), (their_steps, their_rates) = ours, theirs
    assert our_rates == pytest.approx(their_rates, rel=1e-14)
    for step, (mine, reference) in enumerate(zip(our_steps, their_steps)):
        assert mine == pytest.approx(reference, rel=1e-11, abs=1e-13), f"step {step}"
    assert our_steps[0] != START  # the parameters did move


OPTIMIZERS = {
    "sgd": (SGD, torch.optim.SGD, {"lr": 0.05}),
    "sgd momentum": (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    "sgd momentum dampening decay": (
        SGD,
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1},
    ),
    "sgd nesterov": (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "adam": (Adam, torch.optim.Adam, {"lr": 0.1}),
    "adam decay": (
        Adam,
        torch.optim.Adam,
        {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05},
    ),
    "adamw": (AdamW, torch.optim.AdamW, {"lr": 0.1}),
    "adamw decay": (AdamW, torch.optim.AdamW, {"lr": 0.1, "weight_decay": 0.3}),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_follows_torch_step_by_step(name):
    ours, theirs, options = OPTIMIZERS[name]
    assert_same_trajectory(
        our_trajectory(lambda params: ours(params, **options)),
        torch_trajectory(lambda params: theirs(params, **options)),
    )


def test_lambda_schedule_follows_torch():
    def rule(k):
        return 1.0 - 0.9 * k / 4

    assert_same_trajectory(
        our_trajectory(lambda p: SGD(p, lr=0.1), lambda opt: LambdaLR(opt, rule)),
        torch_trajectory(
            lambda p: torch.optim.SGD(p, lr=0.1),
            lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, rule),
        ),
    )


def test_step_schedule_follows_torch():
    assert_same_trajectory(
        our_trajectory(lambda p: Adam(p, lr=0.2), lambda opt: StepLR(opt, 2, gamma=0.5)),
        torch_trajectory(
            lambda p: torch.optim.Adam(p, lr=0.2),
            lambda opt: torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5),
        ),
    )


def test_schedule_sets_the_rate_at_creation_and_reports_it():
    optimizer = SGD([Value(1.0)], lr=2.0)
    schedule = LambdaLR(optimizer, lambda k: 0.5 ** (k + 1))
    assert optimizer.lr == 1.0 and schedule.last_lr == 1.0 and schedule.base_lr == 2.0
    schedule.step()
    assert optimizer.lr == 0.5 == schedule.last_lr


def test_zero_grad_and_model_parameters():
    model = MLP(2, [3, 1])
    optimizer = SGD(model.parameters(), lr=0.1)
    model([1.0, -1.0]).backward()
    optimizer.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "empty parameter list"),
        (lambda: SGD([Value(1.0), 2.0], lr=0.1), TypeError, "parameter 1 is a float"),
        (lambda: SGD(MLP(1, [1]), lr=0.1), TypeError, "such as model.parameters"),
        (lambda: SGD([Value(1.0)] * 2, lr=0.1), ValueError, "parameter 1 appears more than once"),
        (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, "lr must be >= 0"),
        (lambda: SGD([Value(1.0)], lr=math.nan), ValueError, "lr must be >= 0"),
        (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, "lr must be a number"),
        (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, "nesterov needs"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-1), ValueError, "momentum must be >= 0"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in"),
        (lambda: Adam([Value(1.0)], betas=0.9), TypeError, "betas must be a pair"),
        (lambda: AdamW([Value(1.0)], eps=-1e-8), ValueError, "eps must be >= 0"),
        (lambda: StepLR(SGD([Value(1.0)], lr=1), 0), ValueError, "step_size must be at least 1"),
        (lambda: LambdaLR(SGD([Value(1.0)], lr=1), 0.5), TypeError, "lr_lambda must be callable"),
        (lambda: LambdaLR(object(), lambda k: 1), TypeError, "needs a neurograd_nn optimizer"),
    ],
)
def test_bad_optimizer_arguments_are_clear_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()
