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

RACE = """
import sys, threading
from pipelines.faces import mediapipe_import
importer = threading.Thread(target=mediapipe_import.import_mediapipe)
importer.start()
while not isinstance(sys.modules.get("matplotlib"), mediapipe_import._ModuleOnFirstUse):
    assert importer.is_alive(), "the stand-in was never seen: the race was not run"
import matplotlib  # as Gradio does on every event, while mediapipe is still importing
assert isinstance(matplotlib, mediapipe_import._ModuleOnFirstUse)
backend = matplotlib.get_backend()  # waits for mediapipe, then asks the real module
importer.join()
assert isinstance(backend, str) and backend, backend
assert type(sys.modules["matplotlib"]).__name__ == "module"
print("ok")
"""


def _run_fresh(script: str) -> subprocess.CompletedProcess[str]:
    """Runs ``script`` in a fresh interpreter: this test process may have imported either."""
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )


def test_mediapipe_imports_without_matplotlib_which_still_imports_later() -> None:
    done = _run_fresh(CHECK)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_another_thread_importing_matplotlib_meanwhile_gets_the_real_module() -> None:
    # The web app warms mediapipe up in a thread while Gradio already answers events.
    done = _run_fresh(RACE)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
