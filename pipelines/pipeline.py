"""TalkingPhotoPipeline: the models, loaded once, and what you can make with a photo.

>>> tp = TalkingPhotoPipeline()                       # or pipelines.load()
>>> tp.render("photo.jpg", text="Hello!").video       # one face says a line
>>> tp.converse("group.jpg", turns=4).video           # everyone takes turns
>>> tp.chat("photo.jpg", name="Anna").ask("Where are we?").video

Each stage's backend (``pipelines.registry``) is created on first use and kept for the life of
the pipeline, so a web app or a batch script that reuses one pipeline never loads a model twice.
The stage methods (``read_photo``, ``write_line``, ``speak``, ...) are the building blocks of
the three renders; every video is drawn by ``pipelines.render.render_timeline``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from pipelines.config import Settings
from pipelines.errors import BackendUnavailable, LimitExceeded, NoFaceError
from pipelines.errors.text import PHRASES, Notice, Phrase
from pipelines.language_choice import LanguageChoice, in_language
from pipelines.protocols import (
    AnimatorBackend,
    ChatBackend,
    FaceBackend,
    PortraitBackend,
    SceneBackend,
    SpeechBackend,
    Voice,
)
from pipelines.registry import REGISTRY, RENDER_STAGES, Stage, availability
from pipelines.render_run import ProgressCallback, RenderRun, StopCheck
from pipelines.speech.catalogue import AUTO, DEFAULT, ROLES
from pipelines.types import Face, Line, Mood, Photo, PhotoReading, RenderResult, Scene, Speech

if TYPE_CHECKING:
    from pipelines.chat.session import ChatSession
    from pipelines.conversation import Script
    from pipelines.dialogue.writer import DialogueWriter
    from pipelines.requests import RenderRequest
    from pipelines.video.segments import SegmentSink

logger = logging.getLogger(__name__)

PhotoSource = str | Path | bytes | np.ndarray
AudioSource = str | Path | bytes
Backend = FaceBackend | SceneBackend | ChatBackend | SpeechBackend | AnimatorBackend


class TalkingPhotoPipeline(LanguageChoice):
    """Photo in, talking MP4 out.

    The pipeline is safe to share between threads: each backend is created once (one lock per
    stage, so different stages load in parallel) and guards its own model.

    Args:
        settings: Backends, limits and encoding; defaults to the offline stack.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self._backends: dict[str, Any] = {}
        self._notes: dict[str, str] = {}
        self._locks = {stage: threading.Lock() for stage in (*RENDER_STAGES, "portrait", "line")}

    # ----------------------------------------------------------------- backends
    @overload
    def backend(self, stage: Literal["faces"]) -> FaceBackend: ...
    @overload
    def backend(self, stage: Literal["scene"]) -> SceneBackend: ...
    @overload
    def backend(self, stage: Literal["dialogue"]) -> ChatBackend: ...
    @overload
    def backend(self, stage: Literal["speech"]) -> SpeechBackend: ...
    @overload
    def backend(self, stage: Literal["animator"]) -> AnimatorBackend: ...
    @overload
    def backend(self, stage: Literal["portrait"]) -> PortraitBackend: ...

    def backend(self, stage: Stage) -> Any:
        """The backend of a stage, created once; an instance of the stage's protocol.

        A configured backend that cannot run here falls back to the stage's offline default;
        the reason is kept and reported in ``RenderResult.warnings`` (``backend_notes``).

        Raises:
            BackendUnavailable: Not a stage, or nothing of the stage can run (the portrait
                stage has no offline default).
        """
        if stage not in self._locks:
            raise BackendUnavailable(
                f"Unknown stage {stage!r}; stages are: {', '.join((*RENDER_STAGES, 'portrait'))}."
            )
        with self._locks[stage]:
            if stage not in self._backends:
                self._backends[stage] = self._create(stage)
            return self._backends[stage]

    def _create(self, stage: Stage) -> Any:
        """Creates the configured backend, or the first other one of the stage that can run."""
        name = self.settings.backend_name(stage)
        started = time.perf_counter()
        context = {"limits": self.settings.limits}
        options = self.settings.backend_options
        try:
            created = REGISTRY.create(stage, name, context=context, **options.get(name, {}))
        except BackendUnavailable as error:
            if stage == "portrait":
                raise
            created = None
            for spec in REGISTRY.specs(stage):
                if spec.name != name and availability(spec)[0]:
                    created = REGISTRY.create(stage, spec.name, context=context)
                    logger.warning(
                        "%s Using the %s backend %r instead.", error.message, stage, spec.name
                    )
                    words = Phrase(f"stage.{stage}") if f"stage.{stage}" in PHRASES else stage
                    note = Notice("warn.backend_fallback", stage=words, name=spec.name)
                    self._notes[stage] = note
                    break
            if created is None:
                raise
        logger.info("loaded the %s backend in %.2f s", stage, time.perf_counter() - started)
        return created

    def backend_notes(self) -> tuple[str, ...]:
        """Why a configured backend was replaced by its stage's default, one note per stage."""
        return tuple(self._notes.values())

    def warm_up(self, stages: Sequence[Stage] = RENDER_STAGES) -> None:
        """Loads the backends of the given stages now instead of on first use.

        A backend that loads its models on first use (the voice catalogue's engines) loads
        its usual ones now too (its ``warm_up``).
        """
        for stage in stages:
            warm = getattr(self.backend(stage), "warm_up", None)
            if callable(warm):
                warm()

    def preload(self, stages: Sequence[Stage]) -> None:
        """Starts loading the backends of these stages on background threads, if not loaded.

        A render calls this before it reads the photo, so a cold start loads the voice and
        the animator while the faces are found; ``backend`` then waits for them.
        """
        for stage in stages:
            if stage in self._backends:
                continue
            thread = threading.Thread(
                target=self._preload_one, args=(stage,), name=f"load-{stage}", daemon=True
            )
            thread.start()

    def preload_voice(self, voice: Voice) -> None:
        """Starts loading, on a background thread, what may speak ``voice`` (its ``lang`` set).

        With the voice catalogue that is the voice's engine, or for "auto" the one speaking
        most of its language's voices (``CatalogueSpeech.likely_engine``), not every engine:
        a cold Mandarin render does not load the English voices.
        """
        thread = threading.Thread(
            target=self._preload_voice, args=(voice,), name="load-voice", daemon=True
        )
        thread.start()

    def _preload_voice(self, voice: Voice) -> None:
        try:
            backend = self.speech_backend(voice.lang)
        except BackendUnavailable as error:  # the render that needs it raises it again
            logger.info("Could not preload the voice: %s", error.message)
            return
        likely_engine = getattr(backend, "likely_engine", None)
        engine = likely_engine(voice) if callable(likely_engine) else None
        if engine is not None:
            backend.preload((engine,))  # type: ignore[attr-defined]

    def _preload_one(self, stage: Stage) -> None:
        try:
            self.backend(stage)
        except BackendUnavailable as error:  # the render that needs it raises it again
            logger.info("Could not preload the %s backend: %s", stage, error.message)

    def generate_portrait(self, description: str, seed: int = 0) -> np.ndarray:
        """Paints a portrait of a described person, for when there is no photo.

        Args:
            description: Who to paint, e.g. "an old fisherman".
            seed: The same description and seed give the same portrait.

        Returns:
            (H, W, 3) uint8 RGB image, to pass as the photo of a render.

        Raises:
            BackendUnavailable: diffusers, torch or the model's weights are missing.
            BadInputError: The description is empty or too long.
        """
        return self.backend("portrait").generate(description, seed)

    # ----------------------------------------------------------------- stages
    def load_photo(self, source: PhotoSource) -> Photo:
        """Decodes and normalises a photo within the configured limits."""
        from pipelines.images import load_image

        return load_image(source, self.settings.limits)

    def detect_faces(self, photo: Photo) -> tuple[Face, ...]:
        """Every human face in the photo, left to right.

        Raises:
            NoFaceError: There is none.
        """
        faces = tuple(self.backend("faces").detect(photo))
        if not faces:
            raise NoFaceError()
        return faces

    def prepare_animation(self, photo: Photo, faces: Sequence[Face]) -> None:
        """Prepares the faces' animation ahead of a render of this photo (first frames sooner).

        The app calls it once a new photo's faces are found, while the visitor types; an
        animator that prepares nothing ahead ignores it.
        """
        prepare = getattr(self.backend("animator"), "prepare", None)
        if prepare is not None:
            largest = sorted(faces, key=lambda face: -face.box.width * face.box.height)
            prepare(photo, largest[: self.settings.limits.max_faces])

    def describe_scene(self, photo: Photo, faces: Sequence[Face]) -> Scene:
        """Facts about the photo for the dialogue writer."""
        return self.backend("scene").describe(photo, faces)

    def read_photo(self, source: PhotoSource, run: RenderRun | None = None) -> PhotoReading:
        """Decodes the photo, finds its faces and describes its scene, each within its budget.

        Args:
            source: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
            run: The render this reading belongs to (progress, budgets, cancellation); None
                reads with this pipeline's budgets and no progress.

        Raises:
            TalkingPhotoError: Unreadable photo, over a limit, or no face (NoFaceError).
        """
        run = run or self.new_run()
        photo, faces = self.find_faces(source, run)
        scene = run.call("scene", self.describe_scene, photo, faces)
        return PhotoReading(photo, faces, scene)

    def find_faces(self, source: PhotoSource, run: RenderRun) -> tuple[Photo, tuple[Face, ...]]:
        """Decodes the photo and finds its faces, within the faces stage's budget.

        Args:
            source: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
            run: The render this belongs to (progress, budgets, cancellation).

        Returns:
            The working photo and every face in it, left to right.

        Raises:
            TalkingPhotoError: Unreadable photo, over a limit, or no face (NoFaceError).
        """
        with run.stage("faces") as deadline:
            photo = deadline.run(self.load_photo, source)
            faces = deadline.run(self.detect_faces, photo)
        return photo, faces

    def write_line(
        self,
        scene: Scene | None,
        face_index: int,
        mood: Mood = "neutral",
        *,
        seed: int = 0,
        user_text: str | None = None,
        lang: str = "en",
    ) -> Line:
        """What the person at ``face_index`` says (the user's own text wins), in ``lang``.

        ``scene`` may be None only with ``user_text`` (a typed line is not about the scene);
        a typed line is taken as it is, without creating (loading) the chat model.
        """
        from pipelines.requests import check_mood

        check_mood(mood)
        if user_text is not None:
            from pipelines.dialogue.writer import typed_line

            limit = self.settings.limits.max_text_chars
            return typed_line(user_text, face_index, mood, limit, lang)
        return self.line_writer(lang).write(
            scene,
            face_index,
            mood,
            seed=seed,
            user_text=user_text,
            max_chars=self.settings.limits.max_text_chars,
            lang=lang,
        )

    def line_writer(self, lang: str = "en") -> DialogueWriter:
        """The writer (prompt, checks, template fallback) over the chat model for ``lang``."""
        from pipelines.dialogue.writer import DialogueWriter

        chat = self.chat_model(lang)
        with self._locks["line"]:
            writer = self._backends.get(f"line-{id(chat)}")
            if writer is None:
                writer = self._backends[f"line-{id(chat)}"] = DialogueWriter(chat)
            return writer

    def speak(self, text: str, voice: Voice | None = None) -> Speech:
        """Text to speech with phoneme timings, in the voice's language.

        Raises:
            LimitExceeded: The speech is longer than the audio or video limit.
        """
        voice = in_language(voice or Voice())
        backend = self.speech_backend(voice.lang)
        if voice.name in (AUTO, *ROLES) and voice.name not in getattr(backend, "voice_names", ()):
            voice = dataclasses.replace(voice, name=DEFAULT)  # a backend of one voice
        speech = backend.synthesize(text, voice)
        self.check_duration(speech.duration, "The spoken line")
        return speech

    def load_speech(self, source: AudioSource) -> Speech:
        """The user's own recording as Speech (no phonemes: timing comes from the audio).

        Raises:
            TalkingPhotoError: Unreadable, over the upload size, or longer than the limit.
        """
        from pipelines.audio import load_audio, speech_from_audio

        audio, rate = load_audio(source, self.settings.limits)
        speech = speech_from_audio(audio, rate)
        self.check_duration(speech.duration, "The audio")
        return speech

    def check_duration(self, seconds: float, what: str) -> None:
        """Refuses speech longer than the audio or video limit.

        Raises:
            LimitExceeded: ``what`` lasts longer than the limit.
        """
        cap = min(self.settings.limits.max_audio_seconds, self.settings.limits.max_video_seconds)
        if seconds > cap:
            raise LimitExceeded(
                "duration.audio" if what == "The audio" else "duration.line",
                seconds=seconds,
                most=cap,
            )

    def new_run(
        self,
        progress: ProgressCallback | None = None,
        should_stop: StopCheck | None = None,
        segments: SegmentSink | None = None,
    ) -> RenderRun:
        """A RenderRun with this pipeline's stage budget (``segments``: see ``render``)."""
        return RenderRun(
            progress, self.settings.limits.stage_timeout_seconds, should_stop, segments
        )

    # ----------------------------------------------------------------- renders
    def render(
        self,
        photo: RenderRequest | PhotoSource,
        progress: ProgressCallback | None = None,
        *,
        should_stop: StopCheck | None = None,
        segments: SegmentSink | None = None,
        **request: Any,
    ) -> RenderResult:
        """One face says one line: the MP4, its WAV and its SRT.

        Args:
            photo: A RenderRequest, or the photo (path, encoded bytes or an RGB array) with the
                request's other fields as keywords: ``text``, ``audio``, ``face_index``,
                ``mood``, ``voice``, ``still``, ``seed``, ``output``, ``watermark``,
                ``captions`` (see ``pipelines.requests.RenderRequest``).
            progress: Called with (stage, overall fraction) as the render advances.
            should_stop: Asked at every stage boundary and frame; True stops with ``Cancelled``.
            segments: Also hand the video over in short segments as they are encoded, so it
                can be shown before it is finished (``pipelines.video.segments.SegmentSink``).
            **request: The request's fields, when ``photo`` is not a RenderRequest.

        Returns:
            Paths of the outputs, the line, faces, scene, per-stage timings and warnings.

        Raises:
            TalkingPhotoError: A subclass with a message a person can act on.
        """
        from pipelines.render import render_line
        from pipelines.requests import RenderRequest

        if not isinstance(photo, RenderRequest):
            photo = RenderRequest(photo, **request)
        return render_line(self, photo, self.new_run(progress, should_stop, segments))

    def converse(
        self,
        photo: PhotoSource,
        script: Script | None = None,
        *,
        turns: int = 4,
        moods: Mood | Mapping[int, Mood] | None = None,
        voices: Mapping[int, Voice] | None = None,
        names: Mapping[int, str] | None = None,
        progress: ProgressCallback | None = None,
        should_stop: StopCheck | None = None,
        **options: Any,
    ) -> RenderResult:
        """Everyone in the photo takes turns: one MP4 (+ WAV and SRT) of the conversation.

        Args:
            photo: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
            script: The turns (``pipelines.conversation.Turn``); None has the model write them.
            turns: How many turns to write when there is no script (2-8).
            moods: One mood for everyone, or a mood per face index.
            voices: A voice per face index (others get ``assign_voices``'s).
            names: Persona names per face index, for the subtitles.
            progress: Called with (stage, overall fraction) as the render advances.
            should_stop: Asked at every stage boundary and frame; True stops with ``Cancelled``.
            **options: ``output``, ``still``, ``seed``, ``gap_s``, ``watermark``, ``captions``,
                ``lang``, ``segments`` (see ``pipelines.conversation.render_conversation``).

        Returns:
            The outputs; ``lines`` holds one Line per turn, in order.
        """
        from pipelines.conversation import render_conversation

        return render_conversation(
            self,
            photo,
            script,
            n_turns=turns,
            moods=moods,
            voices=voices,
            names=names,
            progress=progress,
            should_stop=should_stop,
            **options,
        )

    def chat(
        self,
        photo: PhotoSource,
        face: int | None = None,
        *,
        name: str | None = None,
        mood: Mood = "neutral",
        **options: Any,
    ) -> ChatSession:
        """A conversation with one person in the photo; ask it questions with ``.ask``.

        Args:
            photo: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
            face: Who answers (0 = leftmost); None picks the largest face.
            name: The person's name, if you give them one.
            mood: How they feel.
            **options: ``voice``, ``seed``, ``session_id``, ``cache_prompt``, ``warm``,
                ``lang`` (see ``pipelines.chat.ChatSession``).

        Returns:
            The session: the photo is read once; each ``ask`` answers with a talking video.
        """
        from pipelines.chat.session import ChatSession

        return ChatSession(self, photo, face, name, mood, **options)
