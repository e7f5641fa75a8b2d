"""``neurograd demo --compile``: the replayed step trains exactly as the eager step does."""

from __future__ import annotations

import argparse
import random

from neurograd_nn import MLP
from neurograd_nn.demo import choose_step, configure, load_dataset, replayed_step
from neurograd_nn.training import demo_optimizer, micrograd_schedule, train, train_step


def history(step, X, y, steps=4):
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    optimizer = demo_optimizer(model)
    schedule = micrograd_schedule(optimizer, steps)
    results = train(model, optimizer, schedule, X.tolist(), y.tolist(), steps, step=step)
    return results, [p.data for p in model.parameters()]


def test_replayed_step_trains_like_eager_step(assert_close):
    X, y = load_dataset("moons", 40, seed=1337)
    replayed, replayed_weights = history(replayed_step(), X, y)
    eager, eager_weights = history(train_step, X, y)
    assert_close([r.loss for r in replayed], [r.loss for r in eager], rel=1e-11)
    assert [r.accuracy for r in replayed] == [r.accuracy for r in eager]
    assert_close(replayed_weights, eager_weights, rel=1e-11)
    assert replayed[-1].loss < replayed[0].loss


def test_compile_flag_chooses_the_replayed_step():
    parser = argparse.ArgumentParser()
    configure(parser)
    assert choose_step(parser.parse_args([])) is train_step
    assert choose_step(parser.parse_args(["--compile"])) is not train_step
