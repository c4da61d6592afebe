"""What every backend of a stage must do.

One small protocol per stage. A backend loads its weights in ``__init__`` (the pipeline creates
each backend once per process and keeps it), and its methods must be safe to call again and
again. Backends raise ``pipelines.errors`` exceptions, never bare strings.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from pipelines.types import Animation, Face, Photo, Scene, Speech


@dataclass(frozen=True)
class Voice:
    """How a line is spoken.

    Attributes:
        name: A voice the speech backend knows: a voice's own name, a role ("male",
            "female", "child", "neutral": that kind of voice in the line's language), or
            "auto" (the render chooses from the speaking face; the backend alone treats it as
            "default"). "default" is always valid: the backend's own default voice.
        lang: "en", "zh", or "auto" (the language of the text).
        rate: Speaking-rate multiplier; 1.0 is the voice's own pace, 1.2 is 20 % faster.
        pitch_semitones: Pitch shift in semitones (0 = the voice's own pitch); lets two people
            who share a voice model still sound apart.
        formant_factor: Spectral-envelope scale where the voice supports it (1.0 = its own;
            1.1 moves every formant 10 % up, as a smaller speaker's would be).
        speaker_id: Speaker of a multi-speaker voice model (None = its default speaker).
    """

    name: str = "default"
    lang: str = "auto"
    rate: float = 1.0
    pitch_semitones: float = 0.0
    formant_factor: float = 1.0
    speaker_id: int | None = None


class FaceBackend(Protocol):
    """Finds human faces and their landmarks."""

    name: ClassVar[str]

    def detect(self, photo: Photo) -> tuple[Face, ...]:
        """Every human face in the photo, ordered left to right, indices 0..n-1.

        Returns an empty tuple when there is none; the pipeline turns that into NoFaceError.
        """
        ...


class SceneBackend(Protocol):
    """Describes the photo in facts the dialogue writer can use."""

    name: ClassVar[str]

    def describe(self, photo: Photo, faces: Sequence[Face]) -> Scene:
        """The scene of the photo, given the faces already found in it."""
        ...


class ChatBackend(Protocol):
    """A chat language model: messages in, one reply out.

    Prompting, validation and the fallback to templates live in ``pipelines.dialogue.writer``; a
    chat backend only generates.
    """

    name: ClassVar[str]

    def complete(
        self, messages: Sequence[dict[str, str]], *, max_tokens: int, temperature: float, seed: int
    ) -> str:
        """The assistant's reply to OpenAI-style messages ({"role", "content"})."""
        ...


@runtime_checkable
class StreamingChatBackend(Protocol):
    """A chat backend that also hands out its reply piece by piece while writing it.

    ``pipelines.chat.session`` uses it to speak the first sentence of an answer before the model has
    written the rest.
    """

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
        grammar: str | None = None,
        cache_prompt: bool | None = None,
        cache_owner: str | None = None,
    ) -> Generator[str, None, None]:
        """Pieces of the reply, in order (joined: the reply); closing it stops the model.

        ``cache_prompt`` lets the backend reuse the prompt it read last (None: its default),
        and only when that prompt was ``cache_owner``'s (a chat session's id), so one
        visitor's cached prompt never shapes another's answer.
        """
        ...


class SpeechBackend(Protocol):
    """Text to speech with phoneme timings."""

    name: ClassVar[str]

    def synthesize(self, text: str, voice: Voice) -> Speech:
        """Speaks the text; the Speech carries phonemes and one cue per sentence when known."""
        ...


class AnimatorBackend(Protocol):
    """Draws the video frames from the photo, its faces and their motion."""

    name: ClassVar[str]

    def render(
        self, photo: Photo, faces: Sequence[Face], animation: Animation
    ) -> Iterator[np.ndarray]:
        """Yields animation.n_frames frames, each (H, W, 3) uint8 RGB at the photo's size."""
        ...


class PortraitBackend(Protocol):
    """Paints a portrait from a description, for when there is no photo."""

    name: ClassVar[str]

    def generate(self, description: str, seed: int) -> np.ndarray:
        """(H, W, 3) uint8 RGB portrait of the described person; the same seed, the same one."""
        ...
