"""Talking Photo: hear the people in a photo speak.

>>> import pipelines
>>> tp = pipelines.load()                                   # the offline stack, loaded lazily
>>> tp.render("photo.jpg", text="Hello!").video             # one face says a line
>>> tp.converse("group.jpg", turns=4).video                 # everyone takes turns
>>> tp.chat("photo.jpg", name="Anna").ask("Where are we?").video

photo -> faces -> scene -> lines -> speech -> motion -> frames -> video. Each stage is a
sub-package (``faces``, ``scene``, ``dialogue``, ``speech``, ``motion``, ``animate``, ``video``)
with a registry of backends whose offline default runs on a plain CPU with no network
(``pipelines.registry``); frozen values flow between them (``pipelines.types``). Every video is
made by one function, ``pipelines.render.render_timeline``. ``import pipelines`` is light: it
imports no model library, no torch and no gradio.
"""

from __future__ import annotations

from typing import Any

from pipelines.config import Limits, Settings
from pipelines.errors import (
    BackendUnavailable,
    BadInputError,
    Cancelled,
    LimitExceeded,
    NoFaceError,
    StageTimeout,
    TalkingPhotoError,
)
from pipelines.offline import keep_native_libraries_offline
from pipelines.pipeline import TalkingPhotoPipeline
from pipelines.protocols import Voice
from pipelines.requests import RenderOptions, RenderRequest
from pipelines.timeline import Turn
from pipelines.types import (
    MOODS,
    Animation,
    Cue,
    Face,
    FaceMotion,
    Line,
    Phoneme,
    Photo,
    PhotoReading,
    RenderResult,
    Scene,
    Speech,
)

# Before any backend exists: onnxruntime reads its telemetry switch once (pipelines.offline).
keep_native_libraries_offline()


def load(settings: Settings | None = None, **choices: Any) -> TalkingPhotoPipeline:
    """A pipeline of the offline stack, or of the backends you name.

    Models load on first use and stay loaded; keep the pipeline and reuse it.

    Args:
        settings: Backends, limits and encoding; None for the defaults.
        **choices: Settings fields to change, e.g. ``dialogue_backend="template"`` or
            ``limits=Limits(max_faces=2)``; unknown names raise BadInputError listing the valid
            ones.

    Returns:
        The pipeline.
    """
    return TalkingPhotoPipeline((settings or Settings()).replaced(**choices))


__all__ = [
    "MOODS",
    "Animation",
    "BackendUnavailable",
    "BadInputError",
    "Cancelled",
    "Cue",
    "Face",
    "FaceMotion",
    "LimitExceeded",
    "Limits",
    "Line",
    "NoFaceError",
    "Phoneme",
    "Photo",
    "PhotoReading",
    "RenderOptions",
    "RenderRequest",
    "RenderResult",
    "Scene",
    "Settings",
    "Speech",
    "StageTimeout",
    "TalkingPhotoError",
    "TalkingPhotoPipeline",
    "Turn",
    "Voice",
    "load",
]
