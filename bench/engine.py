"""Eager-mode benchmark: Neurograd against micrograd 0.1.0 and PyTorch, in one process.

Workload: micrograd's demo, one full-batch SGD step of MLP(2, [16, 16, 1]) on 100
two-moons points with the SVM max-margin loss plus 1e-4 L2, written once and run
with each engine's own Value and MLP (the same weights: both draw them from
``random`` in the same order). GC stays on.
Also: bytes per node on a long chain (tracemalloc), and the import time of
``neurograd_core`` with its bundled plugins (fresh interpreters).

    python bench/engine.py            # about a minute; micrograd is most of it
    python bench/engine.py --quick    # fewer repeats

Needs the bench extra: pip install -e ".[bench]"
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, labels -1/+1 (the shape of sklearn's make_moons)."""
    rng = np.random.RandomState(seed)
    half = n // 2
    outer = np.linspace(0, np.pi, n - half)
    inner = np.linspace(0, np.pi, half)
    x = np.concatenate([np.cos(outer), 1 - np.cos(inner)])
    y = np.concatenate([np.sin(outer), 1 - np.sin(inner) - 0.5])
    points = np.stack([x, y], axis=1) + rng.normal(scale=noise, size=(n, 2))
    labels = np.concatenate([-np.ones(n - half), np.ones(half)])
    return points, labels


def demo_step(
    value: Callable[[float], Any], model: Any, X: np.ndarray, Y: np.ndarray, lr: float = 0.1
) -> float:
    """One step of micrograd's demo, as its notebook writes it, for either engine."""
    inputs = [[value(float(a)), value(float(b))] for a, b in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def torch_step_factory(X: np.ndarray, Y: np.ndarray) -> Callable[[], float]:
    import torch

    torch.set_num_threads(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    tx = torch.tensor(X, dtype=torch.float64)
    ty = torch.tensor(Y, dtype=torch.float64)

    def step() -> float:
        scores = model(tx).squeeze(1)
        loss = torch.relu(1 - ty * scores).mean()
        loss = loss + 1e-4 * sum((p * p).sum() for p in model.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def time_steps(step: Callable[[], object], steps: int, repeats: int) -> float:
    """Median seconds per step over ``repeats`` runs of ``steps`` steps.

    Garbage left by the previous run (possibly another engine's) is collected
    first, so each engine pays for its own garbage only.
    """
    runs = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        runs.append((time.perf_counter() - start) / steps)
    return statistics.median(runs)


def bytes_per_node(value: Callable[[float], object], n: int = 200_000) -> float:
    """Traced bytes per node while a chain ``x = x * 1.0001`` of 2n nodes is alive.

    Each step creates two nodes, the wrapped constant and the product, as both
    engines wrap Python numbers in a node.
    """
    gc.collect()
    tracemalloc.start()
    x = value(0.5)
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        x = x * 1.0001
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del x
    return used / (2 * n)


def import_seconds(statement: str, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    sys.setrecursionlimit(10_000)  # micrograd's recursive topological sort

    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import MLP as MicrogradMLP

    from neurograd_core import Value
    from neurograd_nn import MLP

    X, Y = moons()
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = MicrogradMLP(2, [16, 16, 1])
    same = demo_step(Value, ours, X, Y) - demo_step(MicrogradValue, theirs, X, Y)
    assert abs(same) < 1e-9, "the two engines disagree on the workload"

    neuro = time_steps(lambda: demo_step(Value, ours, X, Y), steps=5, repeats=repeats)
    micro = time_steps(lambda: demo_step(MicrogradValue, theirs, X, Y), steps=2, repeats=repeats)
    torch_s = time_steps(torch_step_factory(X, Y), steps=50, repeats=repeats)

    ours_bytes = bytes_per_node(Value)
    micro_bytes = bytes_per_node(MicrogradValue)

    baseline = import_seconds("import sys", repeats + 2)
    importing = import_seconds("import neurograd_core", repeats + 2) - baseline

    print(f"Eager training step, MLP(2, [16, 16, 1]), 100 points (median of {repeats})")
    print("| engine | s/step | Neurograd is |")
    print("|---|---|---|")
    print(f"| Neurograd | {neuro:.4f} | 1x |")
    print(f"| micrograd 0.1.0 | {micro:.4f} | {micro / neuro:.1f}x faster |")
    print(f"| PyTorch (float64, 1 thread) | {torch_s:.5f} | {neuro / torch_s:.0f}x slower |")
    print()
    print("| measure | Neurograd | micrograd | target |")
    print("|---|---|---|---|")
    print(
        f"| bytes per node (x = x * 1.0001 chain) | {ours_bytes:.0f} | {micro_bytes:.0f} | <= 120 |"
    )
    print(
        f"| import neurograd_core (+ bundled plugins) | {importing * 1000:.0f} ms | | <= 100 ms |"
    )


if __name__ == "__main__":
    main()
