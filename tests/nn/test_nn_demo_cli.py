"""``neurograd demo`` end to end into a temporary folder, its options and its errors."""

import io
import re
import struct
import subprocess
import sys
import zlib
from argparse import Namespace

import pytest

from neurograd_core.cli import main
from neurograd_core.plugins import commands
from neurograd_nn.demo import run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from a PNG's header, after checking the signature and the header's CRC."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    header = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(b"IHDR" + header) == crc
    return struct.unpack(">II", header[:8])


def assert_real_image(path):
    import matplotlib.image

    width, height = png_size(path)
    pixels = matplotlib.image.imread(path)  # decodes every pixel
    assert pixels.shape[:2] == (height, width) and width > 100 and height > 100
    assert pixels.std() > 0.05  # not a blank picture


def test_demo_with_defaults_reaches_full_accuracy_and_draws(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "neurograd_core.cli", "demo", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "step 100/100: loss 0.010978, accuracy 100.0%" in result.stdout
    assert "training MLP(2, [16, 16, 1])" in result.stderr
    assert "training:" not in result.stderr  # stderr is not a terminal: no progress bar
    boundary = tmp_path / "moons_decision_boundary.png"
    curve = tmp_path / "moons_loss_curve.png"
    assert f"decision boundary: {boundary}" in result.stdout
    assert f"loss curve: {curve}" in result.stdout
    assert_real_image(boundary)
    assert_real_image(curve)


def test_demo_options_other_dataset_and_seed(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    args = Namespace(
        seed=3, steps=2, samples=20, dataset="circles", output=tmp_path / "new" / "dir"
    )
    assert run(args, stdout=out, stderr=err) == 0
    assert "on 20 circles points for 2 steps" in err.getvalue()
    assert "step 2/2: loss" in out.getvalue()
    assert_real_image(tmp_path / "new" / "dir" / "circles_decision_boundary.png")


def test_demo_is_contributed_by_the_nn_plugin():
    assert commands()["demo"].provider == "nn"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--steps", "0"], "must be at least 1, got 0"),
        (["demo", "--steps", "ten"], "expected a whole number, got 'ten'"),
        (["demo", "--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["demo", "--seed", "-1"], "argument --seed: must be between 0 and 4294967295, got -1"),
        (["demo", "--seed", "4294967296"], "argument --seed: must be between 0 and 4294967295"),
        (["demo", "--seed", "1.5"], "argument --seed: expected a whole number, got '1.5'"),
    ],
)
def test_bad_options_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_output_that_is_a_file_is_an_error(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert main(["demo", "--steps", "1", "--output", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_the_largest_seed_is_accepted(tmp_path):
    args = Namespace(seed=2**32 - 1, steps=1, samples=10, dataset="moons", output=tmp_path)
    assert run(args, stdout=io.StringIO(), stderr=io.StringIO()) == 0


def test_an_unwritable_picture_is_refused_before_training(tmp_path, capsys):
    blocked = tmp_path / "spirals_loss_curve.png"
    blocked.mkdir()  # no one can write a file where a folder is, root included
    assert main(["demo", "--dataset", "spirals", "--output", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"cannot write {blocked}: it is a folder" in captured.err
    assert "training" not in captured.err and captured.out == ""
    assert sorted(tmp_path.iterdir()) == [blocked]


def test_spirals_get_enough_steps_by_default(tmp_path):
    """600 steps: 97% with the default seed (README); counted here with replay, which is fast."""
    out, err = io.StringIO(), io.StringIO()
    args = Namespace(seed=1337, steps=None, samples=100, dataset="spirals", output=tmp_path)
    args.compile = True
    assert run(args, stdout=out, stderr=err) == 0
    assert "for 600 steps" in err.getvalue()
    accuracy = float(re.search(r"accuracy ([0-9.]+)%", out.getvalue()).group(1))
    assert accuracy >= 95.0


def test_plugin_module_stays_light():
    code = (
        "import sys, neurograd_core; "
        "heavy = [m for m in ('matplotlib', 'torch', 'neurograd_nn.layers', 'neurograd_nn.demo')"
        " if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
