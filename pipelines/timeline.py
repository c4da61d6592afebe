"""A render's timeline: who speaks when, on one clock, with one audio track and its subtitles.

Every render is a timeline of turns. A single line is one turn by one face; a group
conversation is many turns by several faces with short gaps between them; a chat answer is one
turn whose sentences were spoken one by one. ``lay_out`` places the turns' speech one after
another and mixes one track; ``pipelines.render.render_timeline`` draws and encodes any timeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pipelines.errors import BadInputError
from pipelines.types import Cue, LineSource, Speech, Utterance

#: Silence between two turns of a conversation, in seconds.
DEFAULT_GAP_S = 0.35


@dataclass(frozen=True)
class Turn:
    """One person's turn in a conversation.

    Attributes:
        face_index: Index of the speaking face (as listed by ``talking-photo faces``).
        text: What they say.
        source: "user" (a script), "model" (the dialogue model) or "template" (the fallback).
    """

    face_index: int
    text: str
    source: LineSource = "user"


def speaker_label(face_index: int, names: Mapping[int, str] | None = None) -> str:
    """How a speaker is named in subtitles: their persona name, else "Person N" (1-based).

    The number matches the numbered boxes the web app draws on the faces (face 0 is Person 1).
    """
    if names and names.get(face_index):
        return str(names[face_index]).strip()
    return f"Person {face_index + 1}"


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

    if not turns or len(turns) != len(speeches):
        raise BadInputError("timeline.no_turns")
    if gap_s < 0:
        raise BadInputError("timeline.negative_gap", gap=gap_s)
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
            timed = dataclasses.replace(
                speech, audio=resample(speech.audio, speech.sample_rate, rate), sample_rate=rate
            )
        by_face.setdefault(turn.face_index, []).append(Utterance(start, timed))
        prefix = f"{speaker_label(turn.face_index, names)}: " if label_cues else ""
        turn_cues = speech.cues or ((Cue(turn.text, 0.0, speech.duration),) if turn.text else ())
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
