"""The command line run as a user runs it: ``python -m pipelines ...`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Runs ``python -m pipelines *args`` and returns it finished, its output captured as text.

    Args:
        *args: The command line after ``pipelines``.
        cwd: Folder to run it in (default: this one).

    Returns:
        The finished process; a non-zero exit code is not raised (tests assert on it).
    """
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        check=False,
    )
