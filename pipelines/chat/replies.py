"""What a chat hands back to its caller.

A finished answer is a ``ChatReply``; a streamed one arrives as ``ChatEvent`` steps, as
``pipelines.chat.session.ChatSession`` produces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipelines.types import LineSource


@dataclass(frozen=True)
class ChatReply:
    """One answer.

    Attributes:
        text: What the person said.
        video: MP4 of the face saying it (WAV and SRT beside it).
        audio: WAV of the whole answer.
        first_audio_latency_s: Seconds from the question to the first sentence's audio.
        total_latency_s: Seconds from the question to the finished video.
        source: "model" or "template" (the model's answers did not pass the checks).
        sentence_audio: WAV of each sentence, in order (the first is ready earliest).
        question: The question answered (the transcription, for a recorded question).
        lang: The language the answer was asked in: the session's, or ("auto") the
            question's ("en" or "zh"; a recorded question's as whisper heard it).
    """

    text: str
    video: Path
    audio: Path
    first_audio_latency_s: float
    total_latency_s: float
    source: LineSource = "model"
    sentence_audio: tuple[Path, ...] = ()
    question: str = ""
    lang: str = "en"


@dataclass(frozen=True)
class ChatEvent:
    """A step of a streamed answer.

    Attributes:
        kind: "text" (the whole answer is settled), "audio" (one more piece is spoken: the
            first clause, then whole sentences; ``audio`` is its WAV, ``said`` its text) or
            "video" (done: ``reply`` holds everything).
        text: The answer as settled so far: the whole answer from the "text" event on; on an
            "audio" event before it, the sentences settled up to then.
        elapsed_s: Seconds since the question was received.
        audio: The sentence's WAV ("audio" events).
        sentence: Index of that sentence, from 0.
        reply: The finished reply ("video" event only).
        said: The piece spoken ("audio" events); the "audio" events' ``said``, joined by
            ``pipelines.chat.clauses.join_pieces``, is the answer.
    """

    kind: Literal["text", "audio", "video"]
    text: str
    elapsed_s: float
    audio: Path | None = None
    sentence: int = 0
    reply: ChatReply | None = None
    said: str = ""
