"""Replay benchmark: micrograd's demo training, replayed, against micrograd 0.1.0 and PyTorch.

Workload: MLP(2, [16, 16, 1]) on 100 moons points, SVM max-margin loss plus
1e-4 L2, full-batch SGD at micrograd's learning rate, 100 steps -- what
``neurograd demo --compile`` runs. All in one process; times are medians of
repeats.

* micrograd: one step takes about 1.6 s, so a few steps are timed and the
  100-step time is extrapolated from the median step (the table says so).
* replay: the whole 100-step training (``neurograd_nn.demo.replayed_step``),
  with and without the one-off trace.
* PyTorch eager, float64, one thread, the same weights and data: one step
  (forward, backward, SGD update) against one replayed step, timed in
  alternating blocks of 50 steps. numpy's BLAS is held to one thread too
  (``OPENBLAS_NUM_THREADS=1`` unless set), so both sides use one core.

    python bench/replay.py            # about half a minute, mostly micrograd
    python bench/replay.py --quick    # fewer repeats, one micrograd step

Needs the bench extra: pip install -e ".[bench]"
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads its BLAS

import numpy as np  # noqa: E402

from neurograd_nn import MLP  # noqa: E402
from neurograd_nn.demo import load_dataset, replayed_step  # noqa: E402
from neurograd_nn.training import demo_optimizer, micrograd_schedule, train  # noqa: E402

STEPS = 100
SEED = 1337
SIZES = [16, 16, 1]
ALPHA = 1e-4


def median_time(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def replay_training(X: np.ndarray, y: np.ndarray, include_trace: bool) -> float:
    """Seconds for the 100-step demo training with the replayed step."""
    random.seed(SEED)
    model = MLP(2, SIZES)
    optimizer = demo_optimizer(model)
    schedule = micrograd_schedule(optimizer, STEPS)
    step = replayed_step()
    inputs, labels = X.tolist(), y.tolist()
    if not include_trace:  # trace now, and start from the same weights again
        start = [p.data for p in model.parameters()]
        step(model, optimizer, inputs, labels)
        for p, value in zip(model.parameters(), start):
            p.data = value
    started = time.perf_counter()
    history = train(model, optimizer, schedule, inputs, labels, STEPS, step=step)
    seconds = time.perf_counter() - started
    assert history[-1].loss < history[0].loss
    return seconds


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


def replay_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    """One replayed step (forward, backward, SGD update), already traced."""
    random.seed(SEED)
    model = MLP(2, SIZES)
    optimizer = demo_optimizer(model)
    optimizer.lr = 0.0  # steps leave the weights alone: every repeat does the same work
    step = replayed_step()
    inputs, labels = X.tolist(), y.tolist()
    step(model, optimizer, inputs, labels)
    return lambda: step(model, optimizer, inputs, labels)


def torch_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    """The same step in PyTorch eager, float64, one thread, from the same weights."""
    import torch

    torch.set_num_threads(1)
    random.seed(SEED)
    model = MLP(2, SIZES)
    params = []
    for layer in model.layers:
        w = torch.tensor([[p.data for p in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        params += [w.requires_grad_(), b.requires_grad_()]
    inputs = torch.tensor(X, dtype=torch.float64)
    labels = torch.tensor(y, dtype=torch.float64)

    def step() -> None:
        h = inputs
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = torch.relu(1 - labels * h[:, 0]).mean() + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.0 * p.grad  # the update's work, weights unchanged

    for _ in range(20):  # warm up
        step()
    return step


def interleaved_step_seconds(
    steps: dict[str, Callable[[], object]], rounds: int, per_round: int
) -> dict[str, float]:
    """Median seconds per step of each function, timed in alternating blocks.

    Alternating keeps a change in the machine's load from favouring one side.
    """
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(per_round):
                step()
            times[name].append((time.perf_counter() - start) / per_round)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, one micrograd step")
    args = parser.parse_args()
    repeats, micro_steps, rounds = (3, 1, 5) if args.quick else (5, 3, 21)

    X, y = load_dataset("moons", 100, SEED)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)

    replay_training(X, y, include_trace=True)  # warm up: first imports, caches
    replay_total = statistics.median(
        replay_training(X, y, include_trace=True) for _ in range(repeats)
    )
    replay_train = statistics.median(
        replay_training(X, y, include_trace=False) for _ in range(repeats)
    )
    steps = {"replay": replay_step(X, y), "torch": torch_step(X, y)}
    per_step = interleaved_step_seconds(steps, rounds, per_round=50)
    replay_seconds, torch_seconds = per_step["replay"], per_step["torch"]
    micro_step = micrograd_step_seconds(X, y, micro_steps)
    micro_total = micro_step * STEPS

    print(f"MLP(2, {SIZES}), hinge + {ALPHA} L2, 100 moons points, full batch, {STEPS} SGD steps")
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, torch threads 1")
    print(f"{'':44} {'per step':>12} {'100 steps':>12}")
    rows = [
        (f"micrograd 0.1.0 ({micro_steps} step(s) timed, x{STEPS})", micro_step, micro_total),
        ("replay, whole training incl. trace", replay_total / STEPS, replay_total),
        ("replay, training after trace", replay_train / STEPS, replay_train),
        ("replay, one step (median)", replay_seconds, replay_seconds * STEPS),
        ("PyTorch eager float64, 1 thread (median)", torch_seconds, torch_seconds * STEPS),
    ]
    for name, per_step, total in rows:
        print(f"{name:44} {per_step * 1e3:>9.3f} ms {total:>10.3f} s")
    print()
    print(f"{'ratio':44} {'measured':>12} {'target':>12}")
    ratios = [
        ("micrograd / replay (100 steps, incl. trace)", micro_total / replay_total, ">= 300x"),
        ("micrograd / replay (100 steps, after trace)", micro_total / replay_train, ">= 300x"),
        ("replay step / PyTorch step", replay_seconds / torch_seconds, "<= 3x"),
    ]
    for name, ratio, target in ratios:
        print(f"{name:44} {ratio:>11.1f}x {target:>12}")


if __name__ == "__main__":
    main()
