"""Eager-mode benchmark: Neurograd against micrograd 0.1.0 and PyTorch, in one process.

Workload: micrograd's demo, one full-batch SGD step of MLP(2, [16, 16, 1]) on 100
two-moons points with the SVM max-margin loss plus 1e-4 L2, written once and run
with each engine's own Value and MLP (the same weights: both draw them from
``random`` in the same order). GC stays on. A second Neurograd row runs the same
model, weights and loss built from ``neurograd_nn.Linear`` layers: one ``dot`` node
per neuron instead of a chain of products and additions.
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


def linear_demo_model(mlp: Any) -> Any:
    """micrograd's demo model as ``Linear`` layers with relu between, with ``mlp``'s weights."""
    from neurograd_nn import Linear, Module

    class LinearMLP(Module):
        def __init__(self) -> None:
            self.layers = []
            for layer in mlp.layers:
                linear = Linear(len(layer.neurons[0].w), len(layer.neurons))
                for row, bias, neuron in zip(linear.weight, linear.bias, layer.neurons):
                    for w, source in zip(row, neuron.w):
                        w.data = source.data
                    bias.data = neuron.b.data
                self.layers.append(linear)

        def __call__(self, x: Any) -> Any:
            last = len(self.layers) - 1
            for i, layer in enumerate(self.layers):
                x = layer(x)
                if i != last:
                    x = [v.relu() for v in x]
            return x[0]

    return LinearMLP()


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


def seconds_per_step(step: Callable[[], object], steps: int, scalar: bool = True) -> float:
    """One timed block of ``steps`` steps, charged for collecting its own garbage.

    The heap is cleared of what the previous block left (maybe another engine's
    cycles) before the clock starts; for the scalar engines the collection of
    this block's leftovers is timed with it, so each pays the cyclic GC for its
    own garbage. (PyTorch's tensors leave none for it.)
    """
    gc.collect()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if scalar:
        gc.collect()
    return (time.perf_counter() - start) / steps


def compare(engines: dict[str, tuple[Callable[[], object], int]], repeats: int) -> dict:
    """Median seconds per step of each engine, timed in alternating blocks so that the
    machine's slow spells fall on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(repeats):
        for name, (step, steps) in engines.items():
            times[name].append(seconds_per_step(step, steps, scalar=name != "torch"))
    return {name: statistics.median(runs) for name, runs in times.items()}


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


def demo_loss(value: Callable[[float], Any], model: Any, X: np.ndarray, Y: np.ndarray) -> Any:
    """The demo step's loss graph, built and not yet differentiated."""
    inputs = [[value(float(a)), value(float(b))] for a, b in X]
    losses = [(1 + -float(yi) * model(x)).relu() for yi, x in zip(Y, inputs)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


def gradient_costs(model: Any, X: np.ndarray, Y: np.ndarray, repeats: int) -> dict:
    """Seconds of ``loss.backward()`` and of ``grad(loss, params)`` on one demo graph, in
    alternating blocks, and of one second-order pass: the gradient of the squared norm
    of the gradient (``create_graph=True``), with the size of the graphs involved."""
    from neurograd_core import Value, grad

    params = model.parameters()
    loss = demo_loss(Value, model, X, Y)
    timings: dict[str, list[float]] = {"backward": [], "grad": []}
    for _ in range(repeats * 3):
        start = time.perf_counter()
        loss.backward()
        timings["backward"].append(time.perf_counter() - start)
        start = time.perf_counter()
        grad(loss, params)
        timings["grad"].append(time.perf_counter() - start)
    model.zero_grad()
    start = time.perf_counter()
    first = grad(loss, params, create_graph=True)
    norm = sum(g * g for g in first)
    grad(norm, params, allow_unused=True)
    second = time.perf_counter() - start
    return {
        "backward": statistics.median(timings["backward"]),
        "grad": statistics.median(timings["grad"]),
        "second_order": second,
        "nodes": _count_nodes(loss),
        "second_order_nodes": _count_nodes(norm),
    }


def _count_nodes(root: Any) -> int:
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.children)
    return len(seen)


def import_seconds(module: str, repeats: int) -> float:
    """Median time of ``import module`` in fresh interpreters, timed inside each of them
    (interpreter start-up and shutdown are not the import's)."""
    code = (
        "import time; start = time.perf_counter(); "
        f"import {module}; print(time.perf_counter() - start)"
    )
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        runs.append(float(out.stdout))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
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
    linear = linear_demo_model(ours)  # the same weights, before any step
    losses = [
        demo_step(Value, ours, X, Y),
        demo_step(Value, linear, X, Y),
        demo_step(MicrogradValue, theirs, X, Y),
    ]
    assert max(losses) - min(losses) < 1e-9, f"the models disagree on the workload: {losses}"

    # Phase 1: the two scalar engines, before PyTorch is imported. Phase 2: all three
    # with PyTorch imported, whose ~157,000 objects every full collection of Python's
    # cyclic GC then walks too.
    scalar = {
        "neurograd": (lambda: demo_step(Value, ours, X, Y), 10),
        "linear": (lambda: demo_step(Value, linear, X, Y), 10),
        "micrograd": (lambda: demo_step(MicrogradValue, theirs, X, Y), 3),
    }
    before_torch = compare(scalar, repeats)
    with_torch = compare({**scalar, "torch": (torch_step_factory(X, Y), 50)}, repeats)

    costs = gradient_costs(ours, X, Y, repeats)
    ours_bytes = bytes_per_node(Value)
    micro_bytes = bytes_per_node(MicrogradValue)

    importing = import_seconds("neurograd_core", 11)

    print(f"Eager training step, MLP(2, [16, 16, 1]), 100 points, s/step (median of {repeats})")
    print("| engine | before PyTorch is imported | with PyTorch imported |")
    print("|---|---|---|")
    engines = (
        ("neurograd", "Neurograd"),
        ("linear", "Neurograd, Linear layers (dot nodes)"),
        ("micrograd", "micrograd 0.1.0"),
    )
    for name, label in engines:
        print(f"| {label} | {before_torch[name]:.4f} | {with_torch[name]:.4f} |")
    print(f"| PyTorch (float64, 1 thread) | | {with_torch['torch']:.5f} |")
    for name, label in (("neurograd", "Neurograd"), ("linear", "Neurograd, Linear layers")):
        faster = [
            f"{times['micrograd'] / times[name]:.1f}x faster"
            for times in (before_torch, with_torch)
        ]
        print(f"| {label} vs micrograd | {faster[0]} | {faster[1]} |")
    print(
        f"| Neurograd vs PyTorch | {with_torch['neurograd'] / with_torch['torch']:.0f}x slower | |"
    )
    print()
    print("| measure | Neurograd | micrograd | target |")
    print("|---|---|---|---|")
    print(
        f"| bytes per node (x = x * 1.0001 chain) | {ours_bytes:.0f} | {micro_bytes:.0f} | <= 120 |"
    )
    print(
        f"| import neurograd_core (+ bundled plugins) | {importing * 1000:.0f} ms | | <= 100 ms |"
    )
    print()
    print(f"Gradients of the demo loss ({costs['nodes']:,} nodes), s (median of {repeats * 3})")
    print("| measure | seconds | ratio | target |")
    print("|---|---|---|---|")
    print(f"| loss.backward() | {costs['backward']:.4f} | 1.00 | |")
    ratio = costs["grad"] / costs["backward"]
    print(f"| grad(loss, params) | {costs['grad']:.4f} | {ratio:.2f} | <= 1.2 |")
    print(
        f"| second order: grad(sum of grad², params), a graph of "
        f"{costs['second_order_nodes']:,} nodes | {costs['second_order']:.3f} | | completes |"
    )


if __name__ == "__main__":
    main()
