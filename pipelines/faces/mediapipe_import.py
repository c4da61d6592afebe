"""``import mediapipe`` without importing matplotlib (0.3-0.5 s of CPU in a cold start).

mediapipe's ``solutions`` package imports its drawing helpers, and those import
``matplotlib.pyplot`` at import time for one function (``plot_landmarks``) that this project
never calls. While mediapipe is imported, ``matplotlib`` and ``matplotlib.pyplot`` are
stand-ins; once it is imported they are taken out of ``sys.modules`` again, so any later
``import matplotlib`` gets the real one, and the stand-in that mediapipe's helpers keep imports
the real module the first time one of its attributes is used. When matplotlib is imported
already, mediapipe is imported as it is.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


class _ModuleOnFirstUse(types.ModuleType):
    """Stands in for a module; its first attribute use imports the real one (then delegates)."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:  # still standing in: nothing to give yet
            raise AttributeError(name)
        return getattr(importlib.import_module(self.__name__), name)


def import_mediapipe() -> types.ModuleType:
    """The ``mediapipe`` module, imported without matplotlib if nothing imported that yet.

    Raises:
        ImportError: mediapipe is not installed.
    """
    with _lock:
        if "mediapipe" in sys.modules or "matplotlib" in sys.modules:
            return importlib.import_module("mediapipe")
        package = _ModuleOnFirstUse("matplotlib")
        pyplot = _ModuleOnFirstUse("matplotlib.pyplot")
        package.__dict__["pyplot"] = pyplot
        sys.modules["matplotlib"], sys.modules["matplotlib.pyplot"] = package, pyplot
        try:
            return importlib.import_module("mediapipe")
        finally:
            for name, stand_in in (("matplotlib", package), ("matplotlib.pyplot", pyplot)):
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
