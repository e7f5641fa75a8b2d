"""Replay benchmark: a replayed training step against hand-written numpy, PyTorch and micrograd.

Workload: micrograd's demo. MLP(2, [16, 16, 1]) on 100 moons points, SVM
max-margin loss plus 1e-4 L2, full batch. One training step is the whole of it:
forward, backward, the optimizer's update and zeroing the gradients.

* replay: ``compile_batch`` with Neurograd's own optimizers (SGD with momentum
  0.9, and Adam), ``optimizer.zero_grad(); objective.step(X, Y); optimizer.step()``;
  and the same model built from ``Linear`` layers, whose neurons are ``dot`` nodes.
* numpy: the same maths written by hand in this file (``NumpyStep``): the
  parameters in one flat array, forward, backward and update as matrix code.
* PyTorch eager: float64, one thread, ``torch.optim`` with the same settings.
* micrograd 0.1.0: its own demo loop (about 1 s a step, so only a few are timed).

All in one process, from the same weights and data. Steps are timed in CPU time
(``time.process_time``: on a shared machine wall time also counts other
processes), in alternating blocks of 25, so that a change in the machine's load
does not favour one side; the table gives medians over the blocks, and each ratio
is the median of the ratios measured within one round of blocks. numpy's BLAS is held to one
thread (``OPENBLAS_NUM_THREADS=1`` unless set), as is torch.

It also times a loss with a gradient penalty (``grad(..., create_graph=True)``
inside the traced function) replayed, with and without liveness masks, against
PyTorch eager and eager Neurograd; and it trains 100 steps with the demo's
schedule both ways (eager Neurograd and replay) and prints the final losses and
accuracies.

    python bench/replay.py            # about a minute, mostly micrograd
    python bench/replay.py --quick    # fewer blocks, one micrograd step

Needs the bench extra: pip install -e ".[bench]"
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads its BLAS

import numpy as np  # noqa: E402
from engine import linear_demo_model  # noqa: E402 (bench/engine.py)

from neurograd_core import Value, grad  # noqa: E402
from neurograd_core.replay import compile_batch  # noqa: E402
from neurograd_nn import MLP  # noqa: E402
from neurograd_nn.demo import load_dataset, replayed_step  # noqa: E402
from neurograd_nn.losses import l2_penalty  # noqa: E402
from neurograd_nn.optim import SGD, Adam, Optimizer  # noqa: E402
from neurograd_nn.training import demo_optimizer, micrograd_schedule, train, train_step  # noqa: E402

STEPS = 100
SEED = 1337
SIZES = [16, 16, 1]
ALPHA = 1e-4
LR, MOMENTUM = 0.01, 0.9  # for the timed steps; the work does not depend on them
ADAM_LR = 1e-3
# CPU time of this process: on a shared machine, wall time also counts the time
# other processes hold the cores, which varies from block to block.
CLOCK = time.process_time


def demo_model() -> MLP:
    random.seed(SEED)
    return MLP(2, SIZES)


def make_optimizer(kind: str, params: list) -> Optimizer:
    return SGD(params, lr=LR, momentum=MOMENTUM) if kind == "sgd" else Adam(params, lr=ADAM_LR)


def replay_step(
    X: np.ndarray, y: np.ndarray, kind: str, linear: bool = False
) -> Callable[[], object]:
    """One replayed training step with Neurograd's optimizer ``kind``, already traced;
    ``linear``: the same model and weights built from ``Linear`` layers (``dot`` nodes)."""
    model = linear_demo_model(demo_model()) if linear else demo_model()
    params = model.parameters()

    def per_example(x, label):
        return (1 + -label * model(x)).relu()

    objective = compile_batch(
        per_example, params, X, y, params_term=lambda ps: l2_penalty(ps, ALPHA)
    )
    optimizer = make_optimizer(kind, params)

    def step() -> float:
        optimizer.zero_grad()
        loss = objective.step(X, y)
        optimizer.step()
        return loss

    return step


class NumpyStep:
    """The same step written by hand: the parameters in one flat array, in Neurograd's order.

    Each neuron's weights then its bias, layer after layer, so ``W`` and ``b`` of a
    layer are views of ``data``; ``grad`` has the same views.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, kind: str) -> None:
        model = demo_model()
        self.data = np.array([p.data for p in model.parameters()])
        self.grad = np.zeros_like(self.data)
        self.X, self.y, self.kind = X, y, kind
        self.layers = []
        start = 0
        for nin, nout in zip([2, *SIZES], SIZES):
            end = start + nout * (nin + 1)
            block, grads = (a[start:end].reshape(nout, nin + 1) for a in (self.data, self.grad))
            self.layers.append((block[:, :nin], block[:, nin], grads[:, :nin], grads[:, nin]))
            start = end
        self.velocity = np.zeros_like(self.data)
        self.m, self.v = np.zeros_like(self.data), np.zeros_like(self.data)
        self.steps = 0

    def __call__(self) -> float:
        self.grad[...] = 0.0  # zero_grad
        X, y, n = self.X, self.y, len(self.X)
        activations = [X]
        h = X
        for i, (W, b, _, _) in enumerate(self.layers):
            h = h @ W.T + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
            activations.append(h)
        margins = 1.0 - y * h[:, 0]
        loss = np.maximum(margins, 0.0).sum() / n + ALPHA * (self.data @ self.data)
        d = ((margins > 0) * (-y / n))[:, None]
        for i in reversed(range(len(self.layers))):
            W, _, dW, db = self.layers[i]
            if i < len(self.layers) - 1:
                d = d * (activations[i + 1] > 0)
            dW += d.T @ activations[i]
            db += d.sum(0)
            if i:
                d = d @ W
        self.grad += (2 * ALPHA) * self.data
        self.update()
        return float(loss)

    def update(self) -> None:
        if self.kind == "sgd":
            if self.steps == 0:
                self.velocity[...] = self.grad
            else:
                self.velocity = MOMENTUM * self.velocity + self.grad
            self.data -= LR * self.velocity
        else:
            beta1, beta2, eps = 0.9, 0.999, 1e-8
            t = self.steps + 1
            self.m = beta1 * self.m + (1 - beta1) * self.grad
            self.v = beta2 * self.v + (1 - beta2) * self.grad * self.grad
            step_size = ADAM_LR / (1 - beta1**t)
            self.data -= step_size * self.m / (np.sqrt(self.v) / np.sqrt(1 - beta2**t) + eps)
        self.steps += 1


def torch_weights_and_data(X: np.ndarray, y: np.ndarray) -> tuple[list[Any], Any, Any]:
    """The demo model's weights and biases as float64 tensors, layer by layer, and the
    data; torch held to one thread."""
    import torch

    torch.set_num_threads(1)
    params = []
    for layer in demo_model().layers:
        w = torch.tensor([[p.data for p in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        params += [w.requires_grad_(), b.requires_grad_()]
    return params, torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)


def torch_step(X: np.ndarray, y: np.ndarray, kind: str) -> Callable[[], object]:
    """The same step in PyTorch eager, float64, one thread, from the same weights."""
    import torch

    params, inputs, labels = torch_weights_and_data(X, y)
    if kind == "sgd":
        optimizer = torch.optim.SGD(params, lr=LR, momentum=MOMENTUM)
    else:
        optimizer = torch.optim.Adam(params, lr=ADAM_LR)

    def step() -> float:
        optimizer.zero_grad()
        h = inputs
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = torch.relu(1 - labels * h[:, 0]).mean() + ALPHA * sum((p * p).sum() for p in params)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


# -- a gradient penalty: grad(create_graph=True) inside the traced loss ----------------------

PENALTY = 0.1


def penalty_loss(model: MLP) -> Callable[..., object]:
    """One example's hinge loss plus PENALTY times the squared norm of d score / d x."""

    def per_example(x, label):
        score = model(x)
        slopes = grad(score, x, create_graph=True)
        return (1 + -label * score).relu() + PENALTY * sum(g * g for g in slopes)

    return per_example


def replay_penalty_step(X: np.ndarray, y: np.ndarray, masks: bool) -> Callable[[], object]:
    """Forward and backward of the penalised loss, replayed; ``masks=False`` schedules it
    without liveness masks (``replay/schedule.py``), to show what they cost."""
    from neurograd_core.replay import schedule

    model = demo_model()
    add_liveness = schedule.add_liveness
    if not masks:
        schedule.add_liveness = lambda graph: (graph, {})
    try:
        objective = compile_batch(penalty_loss(model), model.parameters(), X, y)
    finally:
        schedule.add_liveness = add_liveness
    return lambda: objective.step(X, y)


def eager_penalty_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    model = demo_model()
    per_example = penalty_loss(model)
    rows, labels = X.tolist(), y.tolist()

    def step() -> float:
        losses = [per_example([Value(a) for a in x], t) for x, t in zip(rows, labels)]
        loss = sum(losses) * (1.0 / len(losses))
        loss.backward()
        return loss.data

    return step


def torch_penalty_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    """The same loss in PyTorch eager: autograd.grad with create_graph, then backward."""
    import torch

    params, inputs, labels = torch_weights_and_data(X, y)

    def step() -> float:
        x = inputs.clone().requires_grad_()
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        score = h[:, 0]
        (slopes,) = torch.autograd.grad(score.sum(), x, create_graph=True)
        losses = torch.relu(1 - labels * score) + PENALTY * (slopes * slopes).sum(1)
        loss = losses.mean()
        loss.backward()
        return loss.item()

    return step


def micrograd_step_seconds(X: np.ndarray, y: np.ndarray, steps: int) -> float:
    """Median seconds of one step of micrograd's own demo loop (micrograd 0.1.0)."""
    from micrograd.engine import Value
    from micrograd.nn import MLP as MicroMLP

    random.seed(SEED)
    model = MicroMLP(2, SIZES)
    rows, labels = X.tolist(), y.tolist()
    times = []
    for k in range(steps):
        start = time.perf_counter()
        scores = [model([Value(a) for a in row]) for row in rows]
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        total = data_loss + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        rate = 1.0 - 0.9 * k / STEPS
        for p in model.parameters():
            p.data -= rate * p.grad
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_step_seconds(
    steps: dict[str, Callable[[], object]], rounds: int, per_round: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Per function: median seconds per step, and the median of its per-round ratio to the
    first function's time in the same round (a slow spell of the machine cancels out)."""
    for step in steps.values():  # warm up
        for _ in range(20):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = CLOCK()
            for _ in range(per_round):
                step()
            times[name].append((CLOCK() - start) / per_round)
    first = next(iter(steps))
    ratios = {
        name: statistics.median(t / base for t, base in zip(values, times[first]))
        for name, values in times.items()
    }
    return {name: statistics.median(values) for name, values in times.items()}, ratios


def training_check(X: np.ndarray, y: np.ndarray) -> list[tuple[str, float, float]]:
    """(name, final loss, accuracy) of the 100-step demo training, eager and replayed."""
    results = []
    for name, step in (("eager", train_step), ("replay", replayed_step())):
        model = demo_model()
        optimizer = demo_optimizer(model)
        schedule = micrograd_schedule(optimizer, STEPS)
        history = train(model, optimizer, schedule, X.tolist(), y.tolist(), STEPS, step=step)
        results.append((name, history[-1].loss, history[-1].accuracy))
    return results


def replay_training_seconds(X: np.ndarray, y: np.ndarray) -> float:
    """Wall seconds of the demo's 100-step training with the replayed step, trace included."""
    model = demo_model()
    optimizer = demo_optimizer(model)
    schedule = micrograd_schedule(optimizer, STEPS)
    started = time.perf_counter()
    train(model, optimizer, schedule, X.tolist(), y.tolist(), STEPS, step=replayed_step())
    return time.perf_counter() - started


def _timed(step: Callable[[], object]) -> float:
    start = CLOCK()
    step()
    return CLOCK() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer blocks, one micrograd step")
    args = parser.parse_args()
    rounds, micro_steps = (5, 1) if args.quick else (41, 3)

    X, y = load_dataset("moons", 100, SEED)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)

    print(f"MLP(2, {SIZES}), hinge + {ALPHA} L2, 100 moons points, full batch")
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, torch threads 1")
    print(f"one step = zero_grad, forward, backward, update; CPU time, {rounds} blocks of 25")
    print("(times: medians over the blocks; ratios: medians of the ratios within a block)\n")
    print(
        f"{'optimizer':22} {'numpy by hand':>14} {'replay':>10} {'PyTorch':>10} "
        f"{'replay/numpy':>13} {'replay/torch':>13} {'Linear layers/MLP':>18}"
    )
    for kind, label in (("sgd", f"SGD momentum {MOMENTUM}"), ("adam", "Adam")):
        steps = {
            "numpy": NumpyStep(X, y, kind),
            "replay": replay_step(X, y, kind),
            "torch": torch_step(X, y, kind),
            "linear": replay_step(X, y, kind, linear=True),
        }
        t, ratio = interleaved_step_seconds(steps, rounds, per_round=25)
        print(
            f"{label:22} {t['numpy'] * 1e3:>11.3f} ms {t['replay'] * 1e3:>7.3f} ms "
            f"{t['torch'] * 1e3:>7.3f} ms {ratio['replay']:>12.2f}x "
            f"{ratio['replay'] / ratio['torch']:>12.2f}x "
            f"{ratio['linear'] / ratio['replay']:>17.2f}x"
        )
    print(f"\nhinge + {PENALTY} * |d score / d x|^2 (grad with create_graph=True inside), relu")
    print("one step = forward and backward, no update; CPU time, ratios to replay")
    steps = {
        "replay": replay_penalty_step(X, y, masks=True),
        "replay without masks": replay_penalty_step(X, y, masks=False),
        "PyTorch eager": torch_penalty_step(X, y),
    }
    t, ratio = interleaved_step_seconds(steps, rounds, per_round=25)
    eager = eager_penalty_step(X, y)
    eager_seconds = statistics.median(_timed(eager) for _ in range(1 if args.quick else 3))
    for name in steps:
        print(f"  {name:22} {t[name] * 1e3:>8.3f} ms  {ratio[name]:>6.2f}x")
    print(
        f"  {'eager Neurograd':22} {eager_seconds * 1e3:>8.1f} ms  "
        f"{eager_seconds / t['replay']:>6.0f}x (timed alone)"
    )

    replay_training_seconds(X, y)  # warm up: first imports, caches
    training = statistics.median(replay_training_seconds(X, y) for _ in range(5))
    micro = micrograd_step_seconds(X, y, micro_steps)
    print(f"\nmicrograd 0.1.0: {micro * 1e3:.0f} ms a step ({micro_steps} timed)")
    print(
        f"the demo's {STEPS}-step training, replayed, trace included: {training:.3f} s wall "
        f"(median of 5); micrograd's {STEPS} steps: {micro * STEPS:.0f} s, "
        f"{micro * STEPS / training:.0f}x longer"
    )

    print(f"\n{STEPS} steps of the demo's training (SGD, micrograd's schedule):")
    results = training_check(X, y)
    for name, loss, accuracy in results:
        print(f"  {name:7} final loss {loss:.15f}  accuracy {100 * accuracy:.0f}%")
    (_, eager_loss, _), (_, replay_loss, _) = results
    print(f"  relative difference {abs(replay_loss - eager_loss) / abs(eager_loss):.1e}")


if __name__ == "__main__":
    main()
