"""Training progress is tqdm's bar: shown on a terminal or when forced, silent otherwise."""

import fcntl
import io
import os
import pty
import random
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from neurograd_nn import MLP
from neurograd_nn.datasets import make_moons
from neurograd_nn.training import demo_optimizer, micrograd_schedule, train

DIGITS = Path(__file__).resolve().parents[2] / "examples" / "digits.py"
BAR = re.compile(r"training: +100%\|.*\| 3/3 \[.*loss \d+\.\d{4}, accuracy \d+\.\d%\]")


class TerminalLike(io.StringIO):
    """A stream that says it is a terminal, as tqdm asks with isatty()."""

    def isatty(self):
        return True


def small_run(**options):
    random.seed(0)
    X, y = make_moons(10, noise=0.1, random_state=0)
    model = MLP(2, [4, 1])
    optimizer = demo_optimizer(model)
    inputs, labels = X.tolist(), (2 * y - 1).tolist()
    schedule = micrograd_schedule(optimizer, 3)
    history = train(model, optimizer, schedule, inputs, labels, 3, **options)
    return model, history


def test_forced_bar_shows_every_step_with_the_last_loss():
    stream = io.StringIO()
    _, history = small_run(progress=True, progress_file=stream)
    final = re.split(r"[\r\n]+", stream.getvalue().strip())[-1]
    assert BAR.fullmatch(final.strip()), final
    assert f"loss {history[-1].loss:.4f}" in final


def test_automatic_bar_shows_on_a_terminal():
    stream = TerminalLike()
    small_run(progress_file=stream)
    assert BAR.search(stream.getvalue())


@pytest.mark.parametrize(
    ("stream", "progress"),
    [(io.StringIO(), None), (TerminalLike(), False), (io.StringIO(), False)],
    ids=["not-a-terminal", "asked-on-a-terminal", "asked"],
)
def test_quiet_when_not_a_terminal_or_when_asked(stream, progress):
    _, history = small_run(progress=progress, progress_file=stream)
    assert len(history) == 3
    assert stream.getvalue() == ""


def test_progress_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        small_run(progress="yes", progress_file=io.StringIO())


def test_live_plot_outside_a_notebook_is_refused_before_training():
    random.seed(0)
    model = MLP(2, [4, 1])
    before = [p.data for p in model.parameters()]
    optimizer = demo_optimizer(model)
    with pytest.raises(RuntimeError, match="needs? a Jupyter notebook|is not a notebook"):
        train(model, optimizer, None, [[0.0, 1.0]], [1], 2, live_plot=True)
    assert [p.data for p in model.parameters()] == before


def run_on_a_terminal(argv, cwd):
    """(status, everything written) of a command whose stdout and stderr are a pseudo-terminal
    of 30 rows and 100 columns (tqdm draws nothing on a terminal of no size)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, cwd=cwd
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed: the command ended
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return process.wait(timeout=300), output.decode(errors="replace")


DEMO = [sys.executable, "-m", "neurograd_core.cli", "demo", "--steps", "3", "--samples", "10"]


def test_demo_draws_the_bar_on_a_terminal(tmp_path):
    status, output = run_on_a_terminal([*DEMO, "--output", str(tmp_path)], tmp_path)
    assert status == 0, output
    assert re.search(r"training: 100%\|[^\r\n]*\| 3/3 \[[^\]]*loss \d", output), output
    assert "\r" in output.split("step 3/3: loss")[0]  # redrawn in place


def test_demo_quiet_on_a_terminal_draws_no_bar(tmp_path):
    status, output = run_on_a_terminal([*DEMO, "--quiet", "--output", str(tmp_path)], tmp_path)
    assert status == 0, output
    assert "step 3/3: loss" in output and "training:" not in output


def test_demo_off_a_terminal_prints_no_bar_unless_asked(tmp_path):
    quiet = subprocess.run(
        [*DEMO, "--output", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    forced = subprocess.run(
        [*DEMO, "--progress", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert quiet.returncode == forced.returncode == 0, quiet.stderr + forced.stderr
    assert "training:" not in quiet.stderr and "it/s" not in quiet.stderr
    assert "training: 100%" in forced.stderr


def test_digits_example_draws_the_bar_on_a_terminal(tmp_path):
    status, output = run_on_a_terminal([sys.executable, str(DIGITS), "--epochs", "1"], tmp_path)
    assert status == 0, output
    assert re.search(r"training: 100%\|[^\r\n]*\| 45/45 \[[^\]]*epoch 1, loss \d", output)
    assert re.search(r"^test accuracy [\d.]+% after 1 epochs", output, re.M)
