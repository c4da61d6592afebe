"""Group conversations: everyone in the photo talks, one turn after another, in one video.

A conversation is a script of turns, each said by one face. ``render_conversation`` speaks every
turn in that person's own voice (``assign_voices``), lays the turns out on one timeline with
short gaps, mixes one audio track, plans each face's motion from its own turns (a face that is
not speaking listens: mouth closed, blinks, idle head motion) and draws every face in one pass
into one MP4, with a WAV and an SRT whose cues name the speaker.

Scripts come from the user (``load_script`` reads JSON or YAML, ``parse_script_text`` a text
box; see ``pipelines.conversation_script``) or from the dialogue model
(``pipelines.conversation_writer.write_conversation``); ``render_conversation`` itself is in
``pipelines.conversation_render``. This module holds what both share: voices, the timeline,
who is animated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipelines.conversation_script import (
    MAX_SCRIPT_TURNS,
    MIN_SCRIPT_TURNS,
    Script,
    Turn,
    load_script,
    parse_script,
    parse_script_text,
)
from pipelines.errors import BadInputError, LimitExceeded
from pipelines.protocols import Voice
from pipelines.types import MOODS, Cue, Face, Mood, Speech

if TYPE_CHECKING:
    from pipelines.motion import Utterance

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_SCRIPT_TURNS",
    "MIN_SCRIPT_TURNS",
    "Script",
    "Timeline",
    "Turn",
    "assign_voices",
    "faces_to_animate",
    "lay_out",
    "load_script",
    "moods_by_face",
    "parse_script",
    "parse_script_text",
    "speaker_label",
]

#: Fewest and most turns ``write_conversation`` writes.
MIN_WRITTEN_TURNS, MAX_WRITTEN_TURNS = 2, 8
#: Silence between two turns, in seconds.
DEFAULT_GAP_S = 0.35
#: (pitch in semitones, rate) per person, left to right; repeats past the end. Neighbours
#: differ by at least 3 semitones, and pitch stays within +-5 so the shifted voice stays natural.
VOICE_PALETTE: tuple[tuple[float, float], ...] = (
    (-3.0, 0.95),
    (3.0, 1.05),
    (0.0, 1.0),
    (5.0, 0.97),
    (-5.0, 1.03),
    (1.5, 0.92),
    (-1.5, 1.08),
    (4.0, 1.0),
)


def speaker_label(face_index: int, names: Mapping[int, str] | None = None) -> str:
    """How a speaker is named in subtitles: their persona name, else "Person N" (1-based).

    The number matches the numbered boxes the web app draws on the faces (face 0 is Person 1).
    """
    if names and names.get(face_index):
        return str(names[face_index]).strip()
    return f"Person {face_index + 1}"


# --------------------------------------------------------------------- voices and moods
def assign_voices(faces: Sequence[Face] | Sequence[int]) -> dict[int, Voice]:
    """A distinct voice per person, the same every time for the same faces.

    The bundled Piper voice has one speaker, so people are told apart by pitch and pace
    (``VOICE_PALETTE``, given out left to right). Nothing about the person (such as apparent
    gender or age) is guessed.

    Args:
        faces: The faces (or their indices).

    Returns:
        Face index -> Voice.
    """
    indices = sorted(f.index if isinstance(f, Face) else int(f) for f in faces)
    voices: dict[int, Voice] = {}
    for order, index in enumerate(indices):
        pitch, rate = VOICE_PALETTE[order % len(VOICE_PALETTE)]
        voices[index] = Voice(rate=rate, pitch_semitones=pitch)
    return voices


def moods_by_face(
    moods: Mood | Mapping[int, Mood] | None, indices: Sequence[int]
) -> dict[int, Mood]:
    """One mood per face from a single mood, a per-face mapping (missing = neutral) or None.

    Raises:
        BadInputError: A mood is not one of MOODS.
    """
    if moods is None or isinstance(moods, str):
        chosen: dict[int, Mood] = {i: (moods or "neutral") for i in indices}  # type: ignore[misc]
    else:
        chosen = {i: moods.get(i, "neutral") for i in indices}
    for mood in chosen.values():
        if mood not in MOODS:
            raise BadInputError(f"Unknown mood {mood!r}; choose one of: {', '.join(MOODS)}.")
    return chosen


# --------------------------------------------------------------------- timeline
@dataclass(frozen=True, eq=False)
class Timeline:
    """Turns placed one after another on one clock.

    Attributes:
        audio: (N,) float32 mono mix of every turn, in [-1, 1].
        sample_rate: Samples per second.
        starts: Start of each turn, seconds.
        utterances: Face index -> that face's utterances (turn speech at its start).
        cues: Subtitle cues of every turn, shifted to the timeline and prefixed by the speaker.
        duration: Length of the mix in seconds.
    """

    audio: np.ndarray
    sample_rate: int
    starts: tuple[float, ...]
    utterances: dict[int, tuple[Utterance, ...]]
    cues: tuple[Cue, ...]

    @property
    def duration(self) -> float:
        """Length of the mix in seconds."""
        return len(self.audio) / float(self.sample_rate)


def lay_out(
    turns: Sequence[Turn],
    speeches: Sequence[Speech],
    *,
    gap_s: float = DEFAULT_GAP_S,
    names: Mapping[int, str] | None = None,
    label_cues: bool = True,
) -> Timeline:
    """Places the turns' speech one after another with ``gap_s`` of silence between them.

    Args:
        turns: The turns, in speaking order.
        speeches: The speech of each turn (same order); every rate is resampled to the first's.
        gap_s: Silence between turns, seconds (>= 0).
        names: Persona names by face index, for the subtitle prefixes.
        label_cues: Prefix each cue with its speaker ("Person 1: ..."); off for one speaker.

    Returns:
        The timeline.

    Raises:
        BadInputError: No turns, a speech per turn is missing, or a negative gap.
    """
    from pipelines.audio import resample
    from pipelines.motion import Utterance

    if not turns or len(turns) != len(speeches):
        raise BadInputError("A conversation needs at least one turn and one speech per turn.")
    if gap_s < 0:
        raise BadInputError(f"The gap between turns cannot be negative ({gap_s} s).")
    rate = int(speeches[0].sample_rate)
    pieces: list[np.ndarray] = []
    starts: list[float] = []
    cursor = 0
    gap = np.zeros(round(gap_s * rate), np.float32)
    for number, speech in enumerate(speeches):
        samples = np.asarray(speech.audio, np.float32).reshape(-1)
        if speech.sample_rate != rate:
            samples = resample(samples, speech.sample_rate, rate)
        if number:
            pieces.append(gap)
            cursor += len(gap)
        starts.append(cursor / rate)
        pieces.append(samples)
        cursor += len(samples)
    audio = np.clip(np.concatenate(pieces), -1.0, 1.0).astype(np.float32)
    by_face: dict[int, list[Utterance]] = {}
    cues: list[Cue] = []
    for turn, speech, start in zip(turns, speeches, starts, strict=True):
        timed = speech
        if speech.sample_rate != rate:  # keep the utterance's samples on the timeline's rate
            timed = Speech(
                resample(speech.audio, speech.sample_rate, rate),
                rate,
                speech.phonemes,
                speech.cues,
                speech.text,
            )
        by_face.setdefault(turn.face_index, []).append(Utterance(start, timed))
        prefix = f"{speaker_label(turn.face_index, names)}: " if label_cues else ""
        turn_cues = speech.cues or (Cue(turn.text, 0.0, speech.duration),)
        cues.extend(
            Cue(f"{prefix}{cue.text}", start + cue.start, start + cue.end) for cue in turn_cues
        )
    return Timeline(
        audio=audio,
        sample_rate=rate,
        starts=tuple(starts),
        utterances={face: tuple(items) for face, items in by_face.items()},
        cues=tuple(cues),
    )


def faces_to_animate(
    faces: Sequence[Face], speakers: Sequence[int], max_faces: int
) -> tuple[Face, ...]:
    """Every speaker plus the largest listeners, up to ``max_faces``, in photo order.

    Raises:
        LimitExceeded: More different people speak than ``max_faces``.
    """
    speaking = set(speakers)
    if len(speaking) > max_faces:
        raise LimitExceeded(
            f"{len(speaking)} people speak in this conversation; at most {max_faces} faces can "
            "be animated at once. Give the turns to fewer people."
        )
    listeners = sorted(
        (f for f in faces if f.index not in speaking), key=lambda f: -(f.box.width * f.box.height)
    )
    chosen = [f for f in faces if f.index in speaking]
    chosen += listeners[: max(0, max_faces - len(chosen))]
    return tuple(sorted(chosen, key=lambda f: f.index))
