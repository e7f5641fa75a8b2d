"""examples/digits.py runs and learns (a short run; the full run is in the example's docstring)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits.py"


def test_digits_example_learns_in_two_epochs():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--epochs", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    accuracy = float(re.search(r"^test accuracy ([\d.]+)%", result.stdout, re.M).group(1))
    assert accuracy > 85.0, result.stdout
    assert result.stderr == ""  # not a terminal: no progress bar
