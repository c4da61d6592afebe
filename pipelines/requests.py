"""What a render is asked for: the photo and words of one line, and how any video is written.

``RenderRequest`` is one face saying one line (``TalkingPhotoPipeline.render``);
``RenderOptions`` is how a timeline is drawn and written, whatever kind of render it is (one
line, a conversation, a chat answer). Both are frozen, checked once at the edge
(``check_mood``, ``check_voice_name``) and handed to ``pipelines.render``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import BadInputError
from pipelines.protocols import Voice
from pipelines.speech.catalogue import AUTO, check_voice_name
from pipelines.types import MOODS, Mood

if TYPE_CHECKING:
    from pipelines.pipeline import AudioSource, PhotoSource


@dataclass(frozen=True)
class RenderRequest:
    """One photo to bring to life.

    Attributes:
        photo: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
        text: The user's own line; None lets the dialogue stage write one.
        audio: The user's own recording (wav, mp3, m4a, ...); wins over ``text``.
        face_index: Which face speaks (see ``detect_faces``); None picks the largest face.
        mood: How the line is written and the face looks, one of ``pipelines.types.MOODS``.
        voice: How the line is spoken (a ``Voice``, or a voice's name); its name "auto" (the
            default) picks a voice that fits the speaking face
            (``TalkingPhotoPipeline.face_voices``).
        still: Keep the head still (lips, eyes and expression still move).
        seed: Seed for the dialogue model, blinks and head motion.
        output: Path of the MP4; the WAV and SRT are written beside it. None writes into
            ``Settings.output_dir`` under a fresh name.
        watermark: Draw the visible "AI-generated" mark (the metadata tag is always written).
        captions: Burn the subtitles into the video as captions (the SRT is always written).
        lang: The language spoken: "en", "zh", or "auto" (the language of ``text``; English
            when the dialogue stage writes the line). Sets ``voice.lang`` when that is "auto".
    """

    photo: PhotoSource
    text: str | None = None
    audio: AudioSource | None = None
    face_index: int | None = None
    mood: Mood = "neutral"
    voice: Voice = field(default_factory=lambda: Voice(name=AUTO))
    still: bool = False
    seed: int = 0
    output: Path | None = None
    watermark: bool = True
    captions: bool = False
    lang: str = "auto"

    def __post_init__(self) -> None:
        """Accepts a voice given by its name ("en-child", "auto") as that ``Voice``.

        Raises:
            BadInputError: The name is not a voice; the message lists the voices.
        """
        if isinstance(self.voice, str):
            object.__setattr__(self, "voice", Voice(name=check_voice_name(self.voice)))

    @property
    def options(self) -> RenderOptions:
        """How this request's timeline is drawn and written."""
        return RenderOptions(self.output, self.still, self.seed, self.watermark, self.captions)


@dataclass(frozen=True)
class RenderOptions:
    """How a timeline is drawn and written, whatever kind of render it is.

    Attributes:
        output: Path of the MP4 (".mp4" is enforced; WAV and SRT go beside it), or None for a
            fresh name in ``Settings.output_dir``.
        still: Keep the heads still (lips, eyes and expression still move).
        seed: Seed of blinks and head motion (each face adds its index).
        watermark: Draw the visible "AI-generated" mark (the metadata tag is always written).
        captions: Burn the subtitle cues into the frames.
    """

    output: str | Path | None = None
    still: bool = False
    seed: int = 0
    watermark: bool = True
    captions: bool = False


def check_mood(mood: str) -> None:
    """Refuses a mood the dialogue stage and the animator do not know.

    Raises:
        BadInputError: The message lists the moods.
    """
    if mood not in MOODS:
        raise BadInputError("mood.unknown", mood=mood, choices=", ".join(MOODS))


__all__ = ["RenderOptions", "RenderRequest", "check_mood"]
