"""The ``voices`` speech backend: every voice of the catalogue, each spoken by its own engine.

A ``Voice`` names a catalogue voice ("en-female"), a role ("child": that kind of voice in the
line's language), "default" or "auto" (both: the language's first voice; a render resolves
"auto" from the face before it gets here). ``CatalogueSpeech`` looks the voice up
(``pipelines.speech.catalogue``), creates its engine on first use (``ENGINES``), and asks the
engine for the speech with the voice's own pitch and formant shift added to the ones asked for.
Every engine returns ``Speech`` with phoneme timings, so lip-sync works whichever voice speaks.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

from pipelines.config import Limits
from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.protocols import SpeechBackend, Voice
from pipelines.speech.catalogue import (
    AUTO,
    DEFAULT,
    ROLES,
    VOICES,
    VoiceEntry,
    find_voice,
    voice_names,
)
from pipelines.speech.piper_voice import MAX_PITCH_SEMITONES
from pipelines.types import Speech

logger = logging.getLogger(__name__)

#: Engine name -> "module:Class" of a speech backend that speaks its own voice with timings.
#: Each takes ``limits`` and answers ``synthesize(text, Voice(name="default", ...))``.
ENGINES: dict[str, str] = {
    "piper": "pipelines.speech.piper_voice:PiperSpeech",
    "hibari": "pipelines.speech.hibari_voice:HibariSpeech",
    "kokoro-zh-male": "pipelines.speech.kokoro_zh:KokoroMandarinSpeech",
    "kokoro-zh-female": "pipelines.speech.kokoro_zh:KokoroMandarinFemale",
    "kokoro-zh-neutral": "pipelines.speech.kokoro_zh:KokoroMandarinNeutral",
    "kokoro-zh-child": "pipelines.speech.kokoro_zh:KokoroMandarinChild",
}
#: Engines loaded by ``warm_up`` (a web app or a replica loads them once at start); otherwise
#: each engine loads on first use, or ahead of it with ``preload`` (a render loads its voice's
#: ``likely_engine`` while the faces are found).
EAGER_ENGINES: tuple[str, ...] = ("piper", "hibari")


class CatalogueSpeech:
    """Speech in any voice of the catalogue (the offline default speech backend).

    Each engine loads on first use (or ahead of it: ``warm_up``, ``preload``) and stays
    loaded. ``synthesize`` is thread-safe (each engine serialises its own calls; one engine
    loading does not hold up another).

    Args:
        limits: Text and audio limits, passed to every engine.
        sentence_pause_seconds: Silence between sentences at rate 1, in seconds.
    """

    name: ClassVar[str] = "voices"
    #: Tells the pipeline that this backend chooses voices by role, so "auto" is worth
    #: resolving from the faces.
    has_catalogue: ClassVar[bool] = True

    #: The languages of the catalogue's voices.
    languages: ClassVar[tuple[str, ...]] = tuple(dict.fromkeys(v.language for v in VOICES))

    def __init__(self, limits: Limits | None = None, sentence_pause_seconds: float = 0.2) -> None:
        self.limits = limits or Limits()
        self.sentence_pause_seconds = float(sentence_pause_seconds)
        self.voice_names: tuple[str, ...] = (AUTO, DEFAULT, *voice_names(), *ROLES)
        self._engines: dict[str, SpeechBackend] = {}
        self._lock = threading.Lock()
        self._engine_locks: dict[str, threading.Lock] = {}

    def warm_up(self) -> None:
        """Loads the English engines (``EAGER_ENGINES``) now; the others load on first use."""
        self.preload(EAGER_ENGINES)

    def preload(self, names: Sequence[str]) -> None:
        """Loads these engines now, in order, if not loaded (one that cannot run is logged)."""
        for name in names:
            try:
                self.engine(name)
            except BackendUnavailable as error:  # raised again when one of its voices speaks
                logger.warning("The %s voices cannot speak here: %s", name, error.message)

    def likely_engine(self, voice: Voice) -> str | None:
        """The engine most likely to speak ``voice``, to load ahead of it (None: unknown).

        A catalogue voice, "default" or a role: its own voice's engine. "auto" (a voice that
        fits the face, chosen once the faces are found): the engine speaking most of the
        language's voices (hibari for English, Kokoro for Mandarin); a face given another
        voice loads that one when it speaks.
        """
        try:
            entry = self.entry(voice)
        except BadInputError:
            return None
        if voice.name != AUTO:
            return entry.engine
        engines = [v.engine for v in VOICES if v.language == entry.language]
        return max(dict.fromkeys(engines), key=engines.count)

    def engine(self, name: str) -> SpeechBackend:
        """The engine of that name, created once.

        Raises:
            BackendUnavailable: Its packages or model files are missing.
        """
        with self._lock:
            if name in self._engines:
                return self._engines[name]
            lock = self._engine_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._engines:
                module_name, _, class_name = ENGINES[name].partition(":")
                cls: Any = getattr(importlib.import_module(module_name), class_name)
                self._engines[name] = cls(
                    limits=self.limits, sentence_pause_seconds=self.sentence_pause_seconds
                )
            return self._engines[name]

    def entry(self, voice: Voice) -> VoiceEntry:
        """The catalogue voice a ``Voice`` asks for (roles resolved in ``voice.lang``).

        Raises:
            BadInputError: An unknown name; the message lists the choices.
        """
        return find_voice(voice.name, voice.lang)

    def synthesize(self, text: str, voice: Voice) -> Speech:
        """Speaks the text in the voice asked for.

        Args:
            text: One or more sentences.
            voice: A catalogue name, role, "default" or "auto"; its rate, and a pitch shift
                (semitones) and formant factor added to the catalogue voice's own.

        Returns:
            Speech at the engine's sample rate, with phonemes tiling the audio and one cue
            per sentence; ``voice`` is the catalogue name, ``lang`` its language.

        Raises:
            BadInputError: Unknown voice (the choices are listed), empty text, or a setting
                out of range.
            LimitExceeded: The text or the speech is over the limits.
            BackendUnavailable: The voice's engine cannot run here.
        """
        entry = self.entry(voice)
        if abs(voice.pitch_semitones) > MAX_PITCH_SEMITONES:
            raise BadInputError(
                "voice.pitch_range",
                pitch=voice.pitch_semitones,
                least=-MAX_PITCH_SEMITONES,
                most=MAX_PITCH_SEMITONES,
            )
        pitch = entry.pitch_semitones + voice.pitch_semitones
        engine_voice = dataclasses.replace(
            voice,
            name=DEFAULT,
            lang=entry.language,
            pitch_semitones=max(-MAX_PITCH_SEMITONES, min(MAX_PITCH_SEMITONES, pitch)),
            formant_factor=entry.formant_factor * voice.formant_factor,
        )
        speech = self.engine(entry.engine).synthesize(text, engine_voice)
        return dataclasses.replace(speech, lang=entry.language, voice=entry.name)
