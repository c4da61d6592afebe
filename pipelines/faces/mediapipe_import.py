"""``import mediapipe`` without importing matplotlib (0.3-0.5 s of CPU in a cold start).

mediapipe's ``solutions`` package imports its drawing helpers, and those import
``matplotlib.pyplot`` at import time for one function (``plot_landmarks``) that this project
never calls. While mediapipe is imported, ``matplotlib`` and ``matplotlib.pyplot`` are
stand-ins; once it is imported they are taken out of ``sys.modules`` again, so any later
``import matplotlib`` gets the real one, and the stand-in that mediapipe's helpers keep imports
the real module the first time one of its attributes is used. When matplotlib is imported
already, mediapipe is imported as it is.

Other threads may import matplotlib while mediapipe is being imported (Gradio does on every
event, and the web app warms mediapipe up in a thread while it already answers): they get the
stand-in, and its first attribute use waits for mediapipe's import to end, then hands over the
real module. Only the importing thread itself is told the attribute is not there yet.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()
_importing_thread: int | None = None  # the thread importing mediapipe behind the stand-ins
_WAIT_SECONDS = 120.0  # how long another thread waits for that import before giving up


def _wait_for_the_import() -> bool:
    """Whether the caller (not the importing thread) could wait until mediapipe's import ended."""
    if threading.get_ident() == _importing_thread or not _lock.acquire(timeout=_WAIT_SECONDS):
        return False
    _lock.release()
    return True


class _ModuleOnFirstUse(types.ModuleType):
    """Stands in for a module; its first attribute use imports the real one (then delegates)."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self and not _wait_for_the_import():
            raise AttributeError(name)  # mediapipe's own import: nothing to give yet
        return getattr(importlib.import_module(self.__name__), name)


def import_mediapipe() -> types.ModuleType:
    """The ``mediapipe`` module, imported without matplotlib if nothing imported that yet.

    Raises:
        ImportError: mediapipe is not installed.
    """
    global _importing_thread
    with _lock:
        if "mediapipe" in sys.modules or "matplotlib" in sys.modules:
            return importlib.import_module("mediapipe")
        package = _ModuleOnFirstUse("matplotlib")
        pyplot = _ModuleOnFirstUse("matplotlib.pyplot")
        package.__dict__["pyplot"] = pyplot
        sys.modules["matplotlib"], sys.modules["matplotlib.pyplot"] = package, pyplot
        _importing_thread = threading.get_ident()
        try:
            return importlib.import_module("mediapipe")
        finally:
            _importing_thread = None
            for name, stand_in in (("matplotlib", package), ("matplotlib.pyplot", pyplot)):
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
