"""A scene read when it is first asked for, for renders whose words do not need it.

A typed line or the user's own recording is not about the scene, yet ``RenderResult.scene``
carries it. Reading it (OCR included: about 1.3 CPU-s on a 1146 px photo) while the frames
are drawn took the cores the drawing and the encoder need, so such a render hands the result a
``SceneLater``: the scene is read the first time ``RenderResult.scene`` is read (once; every
later read returns the same ``Scene``), and never when nobody asks for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.types import Scene


class SceneLater:
    """Reads a scene on the first call, then returns that same scene (thread-safe).

    Args:
        read: Reads the scene (raises what reading it raises; a failed read is tried again
            at the next call).
    """

    def __init__(self, read: Callable[[], Scene]) -> None:
        self._read: Callable[[], Scene] | None = read
        self._scene: Scene | None = None
        self._lock = threading.Lock()

    @property
    def is_read(self) -> bool:
        """Whether the scene has been read already."""
        return self._read is None

    def __call__(self) -> Scene:
        """The scene, read now if it has not been yet."""
        with self._lock:
            if self._read is not None:
                self._scene = self._read()
                self._read = None  # drops the photo the reader held
            assert self._scene is not None
            return self._scene


class SceneField:
    """A dataclass field holding a ``Scene``, or a ``SceneLater`` read on first access.

    Reading the attribute always gives a ``Scene`` (``dataclasses.asdict``, ``replace``,
    equality and pickling included); the field has no default.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}_value"

    def __get__(self, instance: Any, owner: type | None = None) -> Scene:
        if instance is None:  # a class-level read: no default for the dataclass
            raise AttributeError(self._slot)
        value = instance.__dict__[self._slot]
        return value() if isinstance(value, SceneLater) else value

    def __set__(self, instance: Any, value: Scene | SceneLater) -> None:
        instance.__dict__[self._slot] = value
