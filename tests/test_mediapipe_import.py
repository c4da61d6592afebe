"""mediapipe is imported without matplotlib, and matplotlib still works afterwards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = """
import sys
from pipelines.faces.mediapipe_import import import_mediapipe
mp = import_mediapipe()
assert "matplotlib" not in sys.modules and "matplotlib.pyplot" not in sys.modules
assert mp.solutions.face_mesh.FaceMesh  # the solutions the face backend uses are there
import matplotlib.pyplot as plt  # a later import gets the real module
assert mp.solutions.drawing_utils.plt.figure is plt.figure  # and mediapipe's stand-in too
print("ok")
"""


def test_mediapipe_imports_without_matplotlib_which_still_imports_later() -> None:
    # A fresh interpreter: this test process may have imported either already.
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
