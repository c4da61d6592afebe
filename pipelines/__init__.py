"""Talking Photo: hear the people in a photo speak.

The pipeline runs photo -> faces -> scene -> lines -> speech -> motion -> frames -> video, each
stage behind a small registry of backends whose offline default runs on a plain CPU with no
network. ``import pipelines`` is light: it imports no model library, no torch and no gradio.

Example:
    >>> from pipelines import TalkingPhotoPipeline, RenderRequest
    >>> result = TalkingPhotoPipeline().render(RenderRequest("photo.jpg", text="Hello!"))
    >>> result.video
"""

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
from pipelines.pipeline import RenderRequest, TalkingPhotoPipeline
from pipelines.protocols import Voice
from pipelines.types import (
    MOODS,
    Animation,
    Cue,
    Face,
    FaceMotion,
    Line,
    Phoneme,
    Photo,
    RenderResult,
    Scene,
    Speech,
)

# Before any backend exists: onnxruntime reads its telemetry switch once (pipelines.offline).
keep_native_libraries_offline()

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
    "RenderRequest",
    "RenderResult",
    "Scene",
    "Settings",
    "Speech",
    "StageTimeout",
    "TalkingPhotoError",
    "TalkingPhotoPipeline",
    "Voice",
]
