"""Who sounds and feels how in a group conversation: a voice and a mood per person.

A conversation is a script of turns (``pipelines.conversation.script``), written by the user or
by the dialogue model (``pipelines.conversation.writer``) and rendered by
``pipelines.conversation.render``. Each person speaks in a voice of their own (``assign_voices``:
one that fits their face when their roles are known) and a mood of their own
(``moods_by_face``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipelines.errors import BadInputError
from pipelines.protocols import Voice
from pipelines.types import MOODS, Face, Mood

#: Fewest and most turns ``write_conversation`` writes.
MIN_WRITTEN_TURNS, MAX_WRITTEN_TURNS = 2, 8
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

#: (pitch in semitones, rate) of the first, second, ... person of one voice role, left to
#: right: the first speaks in the role's own voice, the others at least 1.5 semitones apart.
ROLE_PALETTE: tuple[tuple[float, float], ...] = (
    (0.0, 1.0),
    (3.0, 1.05),
    (-3.0, 0.95),
    (5.0, 0.97),
    (-5.0, 1.03),
    (1.5, 0.92),
    (-1.5, 1.08),
    (4.0, 1.0),
)


def assign_voices(
    faces: Sequence[Face] | Sequence[int], roles: Mapping[int, str] | None = None
) -> dict[int, Voice]:
    """A distinct voice per person, the same every time for the same faces.

    With ``roles`` (a catalogue role per face: "male", "female", "child", "neutral", see
    ``pipelines.speech.face_voice``), each person speaks in their role's voice; people who
    share a role are told apart by pitch and pace (``ROLE_PALETTE``, given out left to right
    within the role, the first unchanged). Without roles, everyone gets the speech backend's
    default voice and ``VOICE_PALETTE`` tells them apart.

    Args:
        faces: The faces (or their indices).
        roles: Role per face index (faces missing from it: "neutral"), or None.

    Returns:
        Face index -> Voice.
    """
    indices = sorted(f.index if isinstance(f, Face) else int(f) for f in faces)
    voices: dict[int, Voice] = {}
    if roles is None:
        for order, index in enumerate(indices):
            pitch, rate = VOICE_PALETTE[order % len(VOICE_PALETTE)]
            voices[index] = Voice(rate=rate, pitch_semitones=pitch)
        return voices
    seen: dict[str, int] = {}
    for index in indices:
        role = roles.get(index, "neutral")
        order = seen.get(role, 0)
        seen[role] = order + 1
        pitch, rate = ROLE_PALETTE[order % len(ROLE_PALETTE)]
        voices[index] = Voice(name=role, rate=rate, pitch_semitones=pitch)
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
            raise BadInputError("mood.unknown", mood=mood, choices=", ".join(MOODS))
    return chosen
