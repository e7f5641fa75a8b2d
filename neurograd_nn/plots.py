"""The demo's pictures: a decision boundary (as in micrograd's README) and a loss curve.

matplotlib is imported inside each function, and figures are drawn with its
object API onto the Agg canvas, so the caller's pyplot backend is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neurograd_nn.layers import MLP
from neurograd_nn.training import StepResult, cyclic_gc_paused

GRID_POINTS = 60  # per axis: 3600 forward passes of the model


def _agg_figure(**kwargs: Any) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(**kwargs)
    FigureCanvasAgg(figure)
    return figure


def decision_scores(model: MLP, xs: Sequence[float], ys: Sequence[float]) -> list[list[float]]:
    """The model's score at every (x, y) of a grid, row by row (one row per y)."""
    with cyclic_gc_paused():
        return [[model([x, y]).data for x in xs] for y in ys]


def plot_decision_boundary(model: MLP, X: Any, y: Any, path: Path) -> Path:
    """Shade where the model says +1 and where -1, with the training points on top."""
    import numpy as np

    X = np.asarray(X, dtype=float)
    xs = np.linspace(X[:, 0].min() - 1, X[:, 0].max() + 1, GRID_POINTS)
    ys = np.linspace(X[:, 1].min() - 1, X[:, 1].max() + 1, GRID_POINTS)
    scores = np.array(decision_scores(model, xs.tolist(), ys.tolist()))
    figure = _agg_figure(figsize=(6, 5))
    axes = figure.add_subplot()
    axes.contourf(xs, ys, scores > 0, cmap="Spectral", alpha=0.8)
    axes.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap="jet", edgecolors="k", linewidths=0.5)
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    axes.set_title("decision boundary")
    figure.savefig(path, dpi=100)
    return path


def plot_loss_curve(history: Sequence[StepResult], path: Path) -> Path:
    """Total loss per step (log scale) and training accuracy per step."""
    figure = _agg_figure(figsize=(7, 4))
    loss_axes = figure.add_subplot()
    steps = range(len(history))
    loss_axes.plot(steps, [r.loss for r in history], color="tab:blue", label="loss")
    loss_axes.set_yscale("log")
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("total loss", color="tab:blue")
    accuracy_axes = loss_axes.twinx()
    accuracy_axes.plot(steps, [100 * r.accuracy for r in history], color="tab:orange")
    accuracy_axes.set_ylabel("accuracy (%)", color="tab:orange")
    accuracy_axes.set_ylim(0, 105)
    figure.suptitle("training")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
