"""The demo's pictures: a decision boundary (as in micrograd's README) and a loss curve.

matplotlib is imported inside each function, and figures are drawn with its
object API onto the Agg canvas, so the caller's pyplot backend is never changed.
``*_figure`` functions return the figure (tests read its labels and colours);
``plot_*`` functions save it.

Steps are counted from 1, as the demo's progress bar counts them: step n is
the n-th update, and its loss and accuracy are measured just before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neurograd_nn.layers import MLP
from neurograd_nn.training import StepResult

# Per axis. 300 x 300 = 90,000 points, traced and scored by one replayed forward
# pass in 0.06-0.17 s here; the eager loop over 60 x 60 points it replaces took 0.8-1.0 s.
GRID_POINTS = 300
MARGIN = 0.5  # around the data, in the data's units
# One colour per class, for its points and (lighter) for the region the model gives it.
CLASS_COLOURS = {-1: "tab:blue", 1: "tab:red"}
REGION_ALPHA = 0.25


def _agg_figure(**kwargs: Any) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(**kwargs)
    FigureCanvasAgg(figure)
    return figure


def model_scores(model: MLP, points: Any) -> Any:
    """The model's score at each row of ``points`` (shape (N, 2)), by graph replay.

    The model's graph is traced once (``neurograd_core.replay.trace``) and run
    over all the points as numpy arrays, instead of building a graph per point.
    """
    import numpy as np

    from neurograd_core.replay import trace

    points = np.asarray(points, dtype=np.float64)
    replay = trace(lambda x: model(x), model.parameters(), points)
    return replay.forward(points)


def decision_grid(model: MLP, X: Any, points: int = GRID_POINTS) -> tuple[Any, Any, Any]:
    """(xs, ys, scores): a ``points`` x ``points`` grid around ``X`` and the model's scores on it.

    ``scores[i, j]`` is the score at ``(xs[j], ys[i])``, as ``contourf`` takes it.
    """
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    xs = np.linspace(X[:, 0].min() - MARGIN, X[:, 0].max() + MARGIN, points)
    ys = np.linspace(X[:, 1].min() - MARGIN, X[:, 1].max() + MARGIN, points)
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = model_scores(model, np.column_stack([grid_x.ravel(), grid_y.ravel()]))
    return xs, ys, scores.reshape(grid_x.shape)


def decision_boundary_figure(model: MLP, X: Any, y: Any, *, dataset: str, steps: int) -> Any:
    """Each class's region in a light shade of its colour, the boundary, and the points on top.

    The title's accuracy is the drawn model's, on the points drawn.
    """
    import numpy as np
    from matplotlib.lines import Line2D

    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    xs, ys, scores = decision_grid(model, X)
    accuracy = float(np.mean((model_scores(model, X) > 0) == (y > 0)))
    low, high = float(np.nanmin(scores)), float(np.nanmax(scores))
    figure = _agg_figure(figsize=(6.5, 5.5))
    axes = figure.add_subplot()
    axes.contourf(
        xs,
        ys,
        scores,
        levels=[min(low, -1.0) - 1.0, 0.0, max(high, 1.0) + 1.0],
        colors=[CLASS_COLOURS[-1], CLASS_COLOURS[1]],
        alpha=REGION_ALPHA,
    )
    handles = []
    for label in (-1, 1):
        mine = y == label
        handles.append(
            axes.scatter(
                X[mine, 0],
                X[mine, 1],
                color=CLASS_COLOURS[label],
                s=30,
                edgecolors="k",
                linewidths=0.5,
                label=f"class {label:+d}",
            )
        )
    if low < 0.0 < high:
        axes.contour(xs, ys, scores, levels=[0.0], colors="k", linewidths=1.0)
        handles.append(Line2D([], [], color="k", linewidth=1.0, label="decision boundary"))
    axes.legend(handles=handles, loc="best", framealpha=0.9)
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    axes.set_xlabel("x[0]")
    axes.set_ylabel("x[1]")
    axes.set_title(
        f"{dataset}: decision boundary after {steps} steps, accuracy {100 * accuracy:.1f}%"
    )
    figure.tight_layout()
    return figure


def plot_decision_boundary(
    model: MLP, X: Any, y: Any, path: Path, *, dataset: str, steps: int
) -> Path:
    """Save ``decision_boundary_figure`` as a PNG at ``path``."""
    decision_boundary_figure(model, X, y, dataset=dataset, steps=steps).savefig(path, dpi=100)
    return path


def loss_curve_figure(history: Sequence[StepResult], *, dataset: str = "") -> Any:
    """Total loss per step (log scale) and training accuracy per step, steps counted from 1.

    The title names ``dataset`` when one is given (the live plot of ``train`` has none).
    """
    figure = _agg_figure(figsize=(7, 4))
    loss_axes = figure.add_subplot()
    steps = range(1, len(history) + 1)
    loss_axes.plot(steps, [r.loss for r in history], color="tab:blue", label="loss")
    loss_axes.set_yscale("log")
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("total loss", color="tab:blue")
    accuracy_axes = loss_axes.twinx()
    accuracy_axes.plot(
        steps, [100 * r.accuracy for r in history], color="tab:orange", label="accuracy"
    )
    accuracy_axes.set_ylabel("accuracy (%)", color="tab:orange")
    accuracy_axes.set_ylim(0, 105)
    loss_axes.set_xlim(1, max(len(history), 2))
    figure.suptitle(f"{dataset + ': ' if dataset else ''}training, {len(history)} steps")
    figure.tight_layout()
    return figure


def plot_loss_curve(history: Sequence[StepResult], path: Path, *, dataset: str) -> Path:
    """Save ``loss_curve_figure`` as a PNG at ``path``."""
    loss_curve_figure(history, dataset=dataset).savefig(path, dpi=100)
    return path
