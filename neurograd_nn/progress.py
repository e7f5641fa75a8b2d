"""How training shows that it is going: a tqdm bar, and in a notebook a live loss plot.

The bar is tqdm's own (``tqdm.auto``): redrawn in place on a terminal, a widget in
Jupyter, and silent when its output is not a terminal (a log file, a pipe, a test)
unless forced. tqdm, matplotlib and IPython load inside these functions, when
training asks for them: importing Neurograd stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from neurograd_nn.training import StepResult

PLOT_EVERY = 10  # steps between redraws of the live loss plot


def progress_bar(
    total: int,
    *,
    progress: bool | None = None,
    file: IO[str] | None = None,
    desc: str = "training",
    unit: str = "step",
) -> Any:
    """A tqdm bar over ``total`` steps.

    ``progress``: None shows it where someone watches (a terminal, a notebook)
    and nowhere else, which is tqdm's ``disable=None``; True always; False never.
    ``file`` is where the text bar goes (tqdm's default, stderr, when None).
    """
    from tqdm.auto import tqdm

    if progress not in (None, True, False):
        raise TypeError(f"progress must be True, False or None (automatic), got {progress!r}")
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=file,
        disable=None if progress is None else not progress,
        dynamic_ncols=True,
    )


def show_step(bar: Any, result: StepResult) -> None:
    """Advance ``bar`` by one step, with that step's loss and accuracy beside it."""
    bar.set_postfix_str(f"loss {result.loss:.4f}, accuracy {100 * result.accuracy:.1f}%", False)
    bar.update(1)


class LiveLossPlot:
    """The loss curve so far, as one picture in a notebook cell, redrawn every ``every`` steps.

    It is one display that is updated in place (IPython's display ids), so the
    cell holds one picture, not one per redraw. Outside a notebook it refuses at
    once, before any training: there is no cell to draw in.
    """

    def __init__(self, every: int = PLOT_EVERY, title: str = "") -> None:
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"plot_every must be a positive whole number of steps, got {every!r}")
        from neurograd_core.notebook import in_notebook

        if not in_notebook():
            raise RuntimeError(
                "live_plot=True draws in a Jupyter notebook cell, and this is not a notebook; "
                "plot the history train() returns instead (neurograd_nn.plots.plot_loss_curve)"
            )
        import matplotlib  # noqa: F401  (fail here, before training, if it is missing)
        from IPython.display import display

        self.every = every
        self.title = title
        self.history: list[StepResult] = []
        self.drawn = 0
        self.handle = display(display_id=True)  # an empty output, filled by redraws
        self.redraws = 0

    def update(self, k: int, result: StepResult) -> None:
        """Record step ``k`` (from 0); redraw after every ``every``-th step."""
        self.history.append(result)
        if len(self.history) % self.every == 0:
            self.redraw()

    def close(self) -> None:
        """Draw the last steps, if the last redraw came before them."""
        if self.drawn != len(self.history):
            self.redraw()

    def redraw(self) -> None:
        from IPython.display import Image

        self.handle.update(Image(data=loss_curve_png(self.history, self.title)))
        self.drawn = len(self.history)
        self.redraws += 1


def loss_curve_png(history: Sequence[StepResult], title: str = "") -> bytes:
    """The loss curve of ``history`` (``neurograd_nn.plots``) as PNG bytes."""
    import io

    from neurograd_nn.plots import loss_curve_figure

    buffer = io.BytesIO()
    loss_curve_figure(history, dataset=title).savefig(buffer, format="png", dpi=72)
    return buffer.getvalue()
