"""What a line in a language is written and spoken with: chat model, speech backend and voices.

``LanguageChoice`` is the part of ``TalkingPhotoPipeline`` that picks, per line, the chat model
that writes in its language (``chat_model``), the speech backend that speaks it
(``speech_backend``) and a voice per face (``face_voices``, from the face's apparent age and
gender when "auto"). What it creates beyond the stages' own backends (Qwen for Chinese lines,
Kokoro for Mandarin speech, the age and gender estimator) is created once, on first use, and
kept with the pipeline's backends.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pipelines.errors import BackendUnavailable
from pipelines.protocols import ChatBackend, SpeechBackend, Voice
from pipelines.registry import REGISTRY, Stage, backend_class
from pipelines.speech.catalogue import AUTO, VOICES
from pipelines.types import Face, Photo

if TYPE_CHECKING:
    from pipelines.config import Settings
    from pipelines.speech.face_voice import FaceVoiceEstimator

logger = logging.getLogger(__name__)

#: The offline speech backend of each language the default voice does not speak.
LANGUAGE_VOICES: dict[str, str] = {"zh": "kokoro-zh"}

#: The Qwen size that answers Chinese chat questions (``LanguageChoice.answer_model``).
CHAT_QWEN_SIZE = "0.5b"

_Kept = TypeVar("_Kept")


def spoken_languages(backend: object) -> tuple[str, ...]:
    """The languages a speech backend speaks: its ``languages``, else its ``language``."""
    languages = getattr(backend, "languages", None)
    if languages:
        return tuple(languages)
    return (str(getattr(backend, "language", "en")),)


def in_language(voice: Voice) -> Voice:
    """The voice, or its kind of voice in the line's language when it speaks another one.

    A catalogue voice cannot say a line in another language ("en-female" and a Chinese line):
    the line is then spoken by the voice of the same role in its language ("zh-female").
    """
    entry = next((v for v in VOICES if v.name == voice.name), None)
    if entry is None or voice.lang in ("", "auto") or entry.language == voice.lang:
        return voice
    return dataclasses.replace(voice, name=entry.role)


class LanguageChoice:
    """Chat model, speech backend and voices per language (a base of ``TalkingPhotoPipeline``).

    It uses the pipeline's ``settings``, ``backend(stage)`` and ``_backends`` (what was created,
    by key).
    """

    settings: Settings
    _backends: dict[str, Any]

    def __init__(self) -> None:
        self._kept_guard = threading.Lock()
        self._kept_locks: dict[str, threading.Lock] = {}

    if TYPE_CHECKING:

        def backend(self, stage: Stage) -> Any:
            """The stage's backend, created once (``TalkingPhotoPipeline.backend``)."""

    def chat_model(self, lang: str = "en") -> ChatBackend:
        """The chat model that writes lines in ``lang`` ("en" or "zh").

        The dialogue stage's backend, except for Chinese when that backend writes none (the
        fast default, SmolLM2): then Qwen (``qwen``), created once, when its weights are
        installed; otherwise the stage's backend, whose Chinese lines are templates.
        """
        from pipelines.dialogue.writer import TemplateChat

        chat = self.backend("dialogue")
        if (
            lang != "zh"
            or isinstance(chat, TemplateChat)
            or getattr(chat, "supports_prefill", False)
        ):
            return chat

        def chinese() -> ChatBackend:
            try:
                return self._create_named("dialogue", "qwen")
            except BackendUnavailable as error:
                logger.warning("Chinese lines come from templates: %s", error.message)
                return chat

        return self._kept("dialogue-zh", chinese)

    def answer_model(self, lang: str = "en") -> ChatBackend:
        """The model that answers chat questions in ``lang``.

        That is ``chat_model(lang)``, except that Chinese answers come from the fast Qwen
        (``CHAT_QWEN_SIZE``) when Qwen is made here.

        Measured (``benchmarks.zh_chat_models``, 40 questions, load 5-8): Qwen 0.5B's answers
        passed the Chinese chat checks as often as 1.5B's (36/40 each), and its first piece was
        ready after 0.52 s against 1.31 s (medians). A ``qwen.size`` backend option, or qwen
        (or the templates) chosen as the dialogue backend, is kept as given; without the 0.5B
        parts, ``chat_model(lang)``.
        """
        from pipelines.dialogue.writer import TemplateChat

        chat = self.backend("dialogue")
        chosen = isinstance(chat, TemplateChat) or getattr(chat, "supports_prefill", False)
        if lang != "zh" or chosen or "size" in self.settings.backend_options.get("qwen", {}):
            return self.chat_model(lang)

        def fast() -> ChatBackend:
            options = {**self.settings.backend_options.get("qwen", {}), "size": CHAT_QWEN_SIZE}
            try:
                return REGISTRY.create(
                    "dialogue", "qwen", context={"limits": self.settings.limits}, **options
                )
            except BackendUnavailable as error:
                logger.warning("Chinese chat answers come from the line model: %s", error.message)
                return self.chat_model(lang)

        return self._kept("dialogue-zh-chat", fast)

    def speech_backend(self, lang: str = "auto") -> SpeechBackend:
        """The speech backend that speaks ``lang``.

        The configured speech backend when it speaks the language (or ``lang`` is "auto"),
        else the language's own offline voice (``LANGUAGE_VOICES``: Mandarin is Kokoro's),
        created once and kept.

        Raises:
            BackendUnavailable: The language's voice cannot run here.
        """
        configured = self.backend("speech")
        name = LANGUAGE_VOICES.get(lang)
        if name is None or lang in spoken_languages(configured):
            return configured
        return self._kept(f"speech:{lang}", lambda: self._create_named("speech", name))

    def chooses_voices(self) -> bool:
        """Whether the speech backend has a voice catalogue, so "auto" is read from the face.

        Asked before the backend is created, the configured backend's class answers (nothing
        is loaded).
        """
        created = self._backends.get("speech")
        if created is None:
            try:
                created = backend_class(REGISTRY.get_spec("speech", self.settings.speech_backend))
            except BackendUnavailable:
                return False
        return bool(getattr(created, "has_catalogue", False))

    def face_voices(
        self,
        photo: Photo,
        faces: Sequence[Face],
        requested: Mapping[int, Voice] | None = None,
    ) -> tuple[dict[int, Voice], dict[int, str]]:
        """A voice for every face: the one asked for, or one that fits the face ("auto").

        See ``pipelines.speech.face_voice.cast_voices``; with a speech backend of one voice,
        "auto" is that voice, shifted per person.

        Args:
            photo: The working photo.
            faces: Every face found in it.
            requested: Voice per face index; missing faces are "auto".

        Returns:
            (voice per face index, a note per face whose voice fell back to the neutral one).
        """
        from pipelines.speech.face_voice import cast_voices

        wanted = dict(requested or {})
        reads_faces = self.chooses_voices() and any(
            wanted.get(face.index, Voice(name=AUTO)).name == AUTO for face in faces
        )
        estimator = self.face_estimator() if reads_faces else None
        return cast_voices(photo, faces, wanted, estimator, reads_faces=reads_faces)

    def face_estimator(self) -> FaceVoiceEstimator | BackendUnavailable:
        """The age and gender estimator, created once, or why it cannot run here."""
        from pipelines.speech.face_voice import FaceVoiceEstimator

        def estimator() -> FaceVoiceEstimator | BackendUnavailable:
            try:
                return FaceVoiceEstimator()
            except BackendUnavailable as error:
                logger.warning("%s", error.message)
                return error

        return self._kept("face-estimator", estimator)

    def _kept(self, key: str, make: Callable[[], _Kept]) -> _Kept:
        """``self._backends[key]``, made by ``make()`` the first time (one lock per key)."""
        with self._kept_guard:
            lock = self._kept_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._backends:
                self._backends[key] = make()
            return self._backends[key]

    def _create_named(self, stage: Stage, name: str) -> Any:
        """A new backend of the stage by its registry name, with the settings' options for it."""
        options = self.settings.backend_options.get(name, {})
        return REGISTRY.create(stage, name, context={"limits": self.settings.limits}, **options)
