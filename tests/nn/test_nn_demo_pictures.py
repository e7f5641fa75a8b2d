"""The demo's pictures, read through matplotlib's objects: labels, title, legend, colours."""

import io
import random
import re
from argparse import Namespace

import numpy as np
import pytest

from neurograd_nn import MLP
from neurograd_nn.demo import load_dataset, run
from neurograd_nn.plots import (
    GRID_POINTS,
    decision_boundary_figure,
    decision_grid,
    loss_curve_figure,
)
from neurograd_nn.training import demo_optimizer, micrograd_schedule, train

STEPS = 30


@pytest.fixture(scope="module")
def trained():
    """micrograd's moons model after STEPS steps: most points right, a few wrong."""
    X, y = load_dataset("moons", 60, 1337)
    random.seed(1337)
    model = MLP(2, [8, 8, 1])
    optimizer = demo_optimizer(model)
    history = train(
        model, optimizer, micrograd_schedule(optimizer, STEPS), X.tolist(), y.tolist(), STEPS
    )
    return model, X, y, history


def eager_scores(model, points):
    return np.array([model(list(p)).data for p in points])


def rgb(colour):
    import matplotlib.colors

    return matplotlib.colors.to_rgb(colour)


def test_boundary_has_axis_labels_title_and_legend(trained):
    model, X, y, _ = trained
    axes = decision_boundary_figure(model, X, y, dataset="moons", steps=STEPS).axes[0]
    assert axes.get_xlabel() == "x[0]" and axes.get_ylabel() == "x[1]"
    accuracy = 100 * np.mean((eager_scores(model, X) > 0) == (y > 0))
    assert axes.get_title() == (
        f"moons: decision boundary after {STEPS} steps, accuracy {accuracy:.1f}%"
    )
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend == ["class -1", "class +1", "decision boundary"]


def test_point_colours_match_their_class_region(trained):
    model, X, y, _ = trained
    axes = decision_boundary_figure(model, X, y, dataset="moons", steps=STEPS).axes[0]
    (regions,) = [c for c in axes.collections if getattr(c, "filled", False)]
    assert list(regions.levels)[1] == 0.0  # band 0 is score <= 0 (class -1), band 1 is > 0
    region_colour = {-1: rgb(regions.get_facecolor()[0]), 1: rgb(regions.get_facecolor()[1])}
    assert region_colour[-1] != region_colour[1]
    points = [c for c in axes.collections if c.get_label().startswith("class")]
    predicted = np.where(eager_scores(model, X) > 0, 1, -1)
    checked = 0
    for collection in points:
        label = int(collection.get_label().removeprefix("class "))
        offsets = collection.get_offsets()
        assert len(offsets) == np.sum(y == label)
        (colour,) = {rgb(c) for c in collection.get_facecolor()}
        for point in offsets:
            (index,) = np.flatnonzero((X == point).all(axis=1))
            if predicted[index] == label:  # a point in its own class's region
                assert colour == region_colour[label]
                checked += 1
            else:
                assert colour == region_colour[-predicted[index]]
    assert checked >= 0.8 * len(X) and checked < len(X)  # both cases are exercised


def test_boundary_is_scored_on_a_fine_grid_by_replay(trained, monkeypatch):
    import neurograd_core.replay

    model, X, _, _ = trained
    forwards = []
    real_trace = neurograd_core.replay.trace

    def recording_trace(fn, params, *arrays, **options):
        replay = real_trace(fn, params, *arrays, **options)
        real_forward = replay.forward

        def forward(*batch):
            forwards.append(np.shape(batch[0]))
            return real_forward(*batch)

        replay.forward = forward
        return replay

    monkeypatch.setattr(neurograd_core.replay, "trace", recording_trace)
    xs, ys, scores = decision_grid(model, X)
    assert GRID_POINTS >= 200 and forwards == [(GRID_POINTS * GRID_POINTS, 2)]
    assert scores.shape == (GRID_POINTS, GRID_POINTS)
    rows = np.random.default_rng(0).integers(0, GRID_POINTS, size=(20, 2))
    points = [(xs[j], ys[i]) for i, j in rows]
    expected = eager_scores(model, points)
    assert np.allclose([scores[i, j] for i, j in rows], expected, rtol=1e-12, atol=1e-12)


def test_loss_curve_counts_steps_from_one_like_the_progress_line(trained):
    _, _, _, history = trained
    figure = loss_curve_figure(history, dataset="moons")
    loss_axes = figure.axes[0]
    (line,) = [line for line in loss_axes.get_lines() if line.get_label() == "loss"]
    steps, losses = line.get_data()
    assert list(steps) == list(range(1, STEPS + 1))
    assert list(losses) == [r.loss for r in history]
    assert loss_axes.get_xlabel() == "step"


def test_progress_summary_and_curve_number_the_same_step(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    args = Namespace(seed=5, steps=7, samples=20, dataset="moons", output=tmp_path, progress=True)
    assert run(args, stdout=out, stderr=err) == 0
    last_progress = re.split(r"[\r\n]+", err.getvalue().strip())[-1]
    summary = out.getvalue().splitlines()[0]
    assert re.match(r"training: 100%\|.*\| 7/7 \[", last_progress), last_progress
    assert summary.startswith("step 7/7: loss ")
    shown = float(re.search(r"loss ([0-9.]+)", last_progress).group(1))
    full = float(re.search(r"loss ([0-9.]+)", summary).group(1))
    assert round(full, 4) == shown


def test_runs_on_different_datasets_keep_each_others_pictures(tmp_path):
    written = {}
    for dataset in ("moons", "circles"):
        out = io.StringIO()
        args = Namespace(seed=1, steps=1, samples=20, dataset=dataset, output=tmp_path)
        assert run(args, stdout=out, stderr=io.StringIO()) == 0
        paths = re.findall(r": (.*\.png)$", out.getvalue(), flags=re.MULTILINE)
        written[dataset] = paths
        assert all(dataset in path for path in paths)
    assert len({*written["moons"], *written["circles"]}) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "circles_decision_boundary.png",
        "circles_loss_curve.png",
        "moons_decision_boundary.png",
        "moons_loss_curve.png",
    ]
