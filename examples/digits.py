"""Handwritten digits with a scalar autograd engine: graph replay makes it practical.

Trains MLP(64, [32, 10]) -- about 2,400 parameters, each one ``Value`` -- on
scikit-learn's 8x8 digits (1,797 images that ship inside scikit-learn, not
inside Neurograd; no download) with softmax cross-entropy and Adam, then
reports the test accuracy.

Eagerly, one pass over the 1,437 training images builds some 7 million
``Value`` nodes; here the graph of *one* image's loss (about 4,800 ops) is
traced once and replayed over each mini-batch with numpy
(``neurograd_core.replay``).

    python examples/digits.py                 # about 3 s here; ~97% test accuracy
    python examples/digits.py --epochs 5      # quicker, a little less accurate
    python examples/digits.py --quiet         # no progress bar (none either off a terminal)

Needs scikit-learn: ``pip install -e ".[examples]"`` from the repository root
(the test extra has it too).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from typing import cast

import numpy as np

from neurograd_core import Value
from neurograd_core.replay import Replay, compile_batch, trace
from neurograd_nn import MLP
from neurograd_nn.datasets import batches
from neurograd_nn.optim import Adam
from neurograd_nn.progress import progress_bar

CLASSES = 10


def load_digits_split(seed: int) -> tuple[np.ndarray, ...]:
    """Pixels scaled to [0, 1], one-hot labels; 80% train, 20% test, stratified."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.data / 16.0
    Y = np.eye(CLASSES)[digits.target]
    return train_test_split(X, Y, test_size=0.2, random_state=seed, stratify=digits.target)


def cross_entropy(logits: list[Value], one_hot: list[Value]) -> Value:
    """-log softmax(logits)[target], as log(sum(exp(z))) - sum(t * z).

    No largest-logit shift: that reads ``.data`` and would make the graph depend
    on the example (the tracer would refuse it). Logits here stay far below
    exp's overflow at 709.
    """
    total = sum((z.exp() for z in logits), Value(0.0))  # the start is a Value: a Value's sum
    return total.log() - sum(t * z for t, z in zip(one_hot, logits))


def build_model(seed: int) -> MLP:
    """micrograd's MLP, with weights scaled by 1/sqrt(fan-in) to keep 64-input sums small."""
    random.seed(seed)
    model = MLP(64, [32, CLASSES])
    for layer in model.layers:
        for neuron in layer.neurons:
            for w in neuron.w:
                w.data /= math.sqrt(len(neuron.w))
    return model


def accuracy(predict: Replay, X: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean(predict.forward(X).argmax(axis=1) == Y.argmax(axis=1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=15, help="passes over the training set (15)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per step (32)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam's learning rate (0.01)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args()

    started = time.perf_counter()
    X_train, X_test, Y_train, Y_test = load_digits_split(args.seed)
    model = build_model(args.seed)
    params = model.parameters()
    objective = compile_batch(
        lambda x, t: cross_entropy(cast(list[Value], model(x)), t),  # ten outputs: a list
        params,
        X_train[:64],
        Y_train[:64],
    )
    predict = trace(model, params, X_train[:64])
    traced = time.perf_counter()
    print(
        f"MLP(64, [32, {CLASSES}]): {len(params)} parameters; one image's graph has "
        f"{objective.replay.n_nodes} nodes, replayed in {objective.replay.n_steps} "
        f"numpy steps (traced in {traced - started:.2f} s)"
    )
    print(f"{len(X_train)} training images, {len(X_test)} test images")

    optimizer = Adam(params, lr=args.lr)
    per_epoch = math.ceil(len(X_train) / args.batch_size)
    # Neurograd's training bar (tqdm): on a terminal only, unless --quiet; lines pass above it.
    bar = progress_bar(args.epochs * per_epoch, progress=False if args.quiet else None)
    with bar:
        for epoch in range(1, args.epochs + 1):
            losses = []
            for X, Y in batches(X_train, Y_train, args.batch_size, random_state=args.seed + epoch):
                optimizer.zero_grad()
                losses.append(objective.step(X, Y))
                optimizer.step()
                bar.set_postfix_str(f"epoch {epoch}, loss {losses[-1]:.4f}", False)
                bar.update(1)
            bar.write(
                f"epoch {epoch:2d}: loss {np.mean(losses):.4f}  "
                f"train accuracy {100 * accuracy(predict, X_train, Y_train):5.1f}%  "
                f"test accuracy {100 * accuracy(predict, X_test, Y_test):5.1f}%  "
                f"({time.perf_counter() - started:.1f} s)"
            )
    print(
        f"test accuracy {100 * accuracy(predict, X_test, Y_test):.1f}% "
        f"after {args.epochs} epochs, {time.perf_counter() - started:.1f} s in all"
    )


if __name__ == "__main__":
    main()
