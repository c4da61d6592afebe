"""The functions behind the One person tab: suggest a line, preview a voice, render, /talk.

Every value the visitor sent is checked first (``ui.inputs``); errors become friendly
``gr.Error`` messages in the visitor's language (``ui.feedback``); progress goes to
``gr.Progress``, and Cancel, ``job.cancel()`` or a closed page stops a render at its next stage
or frame (``ui.cancel``, ``ui.render_jobs``). Nothing the visitor typed or uploaded is logged.

When TALKING_PHOTO_RAY_SERVE names a render service (``talking-photo serve``), renders of the
configured backends go there (``pipelines.serve.RemoteRenderer``) instead of this process: the
same checks, consent and request folders, a Cancel that stops the replica's render, and up to
TALKING_PHOTO_RAY_SERVE_CONCURRENCY renders under way at once (the rest wait in the app's
queue, whose size is unchanged). A render with other backends (Advanced) stays in this
process, one at a time.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from pipelines import MOODS, RenderRequest, TalkingPhotoPipeline, Voice
from pipelines.audio import write_wav
from pipelines.faces import choose_face
from pipelines.serve import RemoteRenderer, url_from_env
from pipelines.speech.catalogue import AUTO, find_voice, voice_choices
from pipelines.text import LANGUAGE_CHOICES
from pipelines.types import RenderResult
from pipelines.video.segments import SegmentSink, VideoSegment
from ui import inputs as check
from ui.backends_panel import PipelinePool
from ui.cancel import stoppable, stoppable_stream
from ui.feedback import friendly_errors, pipeline_for, require_photo, show_warnings, user_error
from ui.folders import served_name
from ui.render_jobs import RenderJobs
from ui.strings import spoken_language, tr
from ui.video_stream import expect, segment_sink, stream_render

logger = logging.getLogger(__name__)

#: Start of the video's file name in its request folder; the folder's random id follows (the
#: WAV and SRT sit beside it, with the same name).
VIDEO_STEM = "talking-photo"
#: The sliders' ranges: speaking rate (x normal) and pitch (semitones).
RATE_RANGE = (0.6, 1.6)
PITCH_RANGE = (-6.0, 6.0)
#: Sub-folder of a request folder holding the streamed segments while the video renders.
STREAM_FOLDER = "stream"


def remote_concurrency_from_env(default: int = 4) -> int:
    """Renders sent to the render service at once, from TALKING_PHOTO_RAY_SERVE_CONCURRENCY.

    Set it to the service's ``--max-replicas`` (each replica renders one at a time).
    """
    raw = os.environ.get("TALKING_PHOTO_RAY_SERVE_CONCURRENCY", "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    if raw:
        logger.warning("TALKING_PHOTO_RAY_SERVE_CONCURRENCY=%r is not >= 1; using %d", raw, default)
    return default


class SingleHandlers:
    """The functions the single-render UI events call; each asks the pipeline, formats the answer.

    Args:
        pool: The pipelines by backend choice (models load once per choice, on first use).
        jobs: Runs renders in request folders, with progress and Cancel.
        remote: Where renders of the configured backends go; None: this process (the
            default). ``build_demo`` reads it from TALKING_PHOTO_RAY_SERVE.
        remote_concurrency: Renders sent to ``remote`` at once.

    Attributes:
        render_concurrency: (concurrency_limit, concurrency_id) of the render events. In this
            process renders run one at a time, sharing the "render" slot with the Group and
            Chat renders; with a render service, up to ``remote_concurrency``.
    """

    def __init__(
        self,
        pool: PipelinePool,
        jobs: RenderJobs,
        remote: RemoteRenderer | None = None,
        remote_concurrency: int = 4,
    ) -> None:
        self.pool = pool
        self.jobs = jobs
        self.remote = remote
        self.render_concurrency = (
            (1, "render") if remote is None else (remote_concurrency, "remote-render")
        )
        self._local_render = threading.Lock()  # in this process: one render at a time

    @classmethod
    def from_env(cls, pool: PipelinePool, jobs: RenderJobs) -> SingleHandlers:
        """Handlers that render on the service TALKING_PHOTO_RAY_SERVE names, if set.

        TALKING_PHOTO_RAY_SERVE_CONCURRENCY is read once, here, and only with a service.
        """
        url = url_from_env()
        if url is None:
            return cls(pool, jobs)
        logger.info("renders go to the render service at %s", url)
        return cls(pool, jobs, RemoteRenderer(url), remote_concurrency_from_env())

    # ------------------------------------------------------------------ words
    def suggest_line(
        self,
        photo: Any,
        speaker: Any,
        mood: str,
        seed: float | None,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        speech_lang: str = "auto",
    ) -> str:
        """Reads the scene and writes a line for the chosen face, in the language spoken."""
        chosen = check.face_index(speaker, "speaker", lang)
        spoken = check.choice(speech_lang, "speech_lang", lang, LANGUAGE_CHOICES, "auto")
        mood = check.choice(mood, "mood", lang, MOODS, MOODS[0])
        seed_value = check.whole_number(seed, "seed", lang, *check.SEED_RANGE, default=0)
        path = require_photo(photo, lang)
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "suggesting a line"):
            loaded = pipeline.load_photo(path)
            faces = pipeline.detect_faces(loaded)
            scene = pipeline.describe_scene(loaded, faces)
            index = choose_face(faces, chosen).index
            written_in = spoken_language(spoken, None, lang)
            line = pipeline.write_line(scene, index, mood, seed=seed_value or 0, lang=written_in)
            return line.text

    # ------------------------------------------------------------------ render
    @stoppable
    def render(
        self,
        photo: Any,
        speaker: Any,
        text: str | None,
        audio: Any,
        mood: str,
        rate: float,
        pitch: float,
        still: bool,
        seed: float | None,
        consent: bool,
        voice_mode: bool | None = None,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        captions: bool = False,
        voice: str | None = AUTO,
        speech_lang: str = "auto",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *,
        should_stop: Callable[[], bool],
    ) -> tuple[str, list[str], str, str]:
        """Renders the talking video: returns the video, the downloads, transcript and summary.

        ``captions`` burns the subtitles into the video, ``voice`` names the voice ("auto":
        one that fits the face) and ``speech_lang`` is the language spoken ("auto": the
        line's, or the interface's when the app writes the line). They come last so that API
        calls written before them keep working. ``should_stop`` is supplied by
        ``ui.cancel.stoppable`` (Gradio does not see it).
        """
        options = self._checked(
            photo, speaker, text, audio, mood, rate, pitch, still, seed, consent, voice_mode,
            lang, captions, voice, speech_lang,
        )  # fmt: skip
        started = time.perf_counter()
        pipeline = pipeline_for(self.pool, backends, lang)
        result = self._render(pipeline, options, lang, request, progress, should_stop)
        return (str(result.video), *self._shown(result, time.perf_counter() - started, lang))

    @stoppable_stream
    def render_stream(
        self,
        photo: Any,
        speaker: Any,
        text: str | None,
        audio: Any,
        mood: str,
        rate: float,
        pitch: float,
        still: bool,
        seed: float | None,
        consent: bool,
        voice_mode: bool | None = None,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        captions: bool = False,
        voice: str | None = AUTO,
        speech_lang: str = "auto",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *,
        should_stop: Callable[[], bool],
    ) -> Iterator[tuple[Any, Any, Any, Any]]:
        """``render`` for the Generate button: the video plays while it is still rendering.

        Yields each finished segment of the video (MPEG-TS, for the streaming player), with
        the other outputs left as they are; then the downloads (the whole MP4, WAV and SRT),
        transcript and summary. A render on the render service yields its whole MP4 instead.
        """
        options = self._checked(
            photo, speaker, text, audio, mood, rate, pitch, still, seed, consent, voice_mode,
            lang, captions, voice, speech_lang,
        )  # fmt: skip
        started = time.perf_counter()
        pipeline = pipeline_for(self.pool, backends, lang)

        def render(deliver: Callable[[VideoSegment], None]) -> RenderResult:
            def sink(folder: Path) -> SegmentSink:  # in the request folder, removed at the end
                return segment_sink(folder / STREAM_FOLDER, deliver)

            return self._render(pipeline, options, lang, request, progress, should_stop, sink)

        streamed = 0
        for item in stream_render(render):
            if isinstance(item, VideoSegment):
                if not streamed:
                    logger.info("first segment after %.2f s", time.perf_counter() - started)
                streamed += 1
                yield expect(item), gr.skip(), gr.skip(), gr.skip()
            else:
                result = item
                shutil.rmtree(result.video.parent / STREAM_FOLDER, ignore_errors=True)
        seconds = time.perf_counter() - started
        logger.info("streamed %d segments; the render took %.2f s", streamed, seconds)
        yield (None if streamed else str(result.video), *self._shown(result, seconds, lang))

    def _checked(
        self,
        photo: Any,
        speaker: Any,
        text: str | None,
        audio: Any,
        mood: str,
        rate: float,
        pitch: float,
        still: bool,
        seed: float | None,
        consent: bool,
        voice_mode: bool | None,
        lang: str,
        captions: bool,
        voice: str | None,
        speech_lang: str,
    ) -> dict[str, Any]:
        """The render's options from what the visitor sent, each checked (``render``'s args).

        Raises:
            gr.Error: A value is wrong or missing, or consent was not given.
        """
        options = {
            "face_index": check.face_index(speaker, "speaker", lang),
            "mood": check.choice(mood, "mood", lang, MOODS, MOODS[0]),
            "voice": _voice(voice, rate, pitch, lang),
            "still": check.flag(still, "still", lang),
            "seed": check.whole_number(seed, "seed", lang, *check.SEED_RANGE, default=0),
            "captions": check.flag(captions, "captions", lang),
        }
        spoken = check.choice(speech_lang, "speech_lang", lang, LANGUAGE_CHOICES, "auto")
        line = check.text(text, "text", lang).strip()
        audio_path = check.uploaded_file(audio, "audio", lang)
        path = require_photo(photo, lang)
        check.consent_given(consent, lang)
        use_voice = audio_path is not None if voice_mode is None else bool(voice_mode)
        if use_voice and audio_path is None:
            raise user_error(lang, "error_no_audio")
        options |= {
            "photo": path,
            "text": None if use_voice else (line or None),
            "audio": audio_path if use_voice else None,
            "lang": spoken_language(spoken, None if use_voice else line, lang),
        }
        return options

    @staticmethod
    def _shown(result: RenderResult, seconds: float, lang: str) -> tuple[list[str], str, str]:
        """The downloads, transcript and summary of a finished render (its warnings shown)."""
        show_warnings(result, lang)
        transcript = " ".join(line.text for line in result.lines if line.text)
        summary = tr(lang, "summary", duration=result.duration, seconds=seconds)
        files = [str(result.video), str(result.audio), str(result.subtitles)]
        return files, transcript or tr(lang, "own_voice"), summary

    @stoppable
    def talk(
        self,
        photo: Any,
        text: str | None,
        face_index: float | None,
        mood: str | None,
        voice: str | None = AUTO,
        lang: str | None = "auto",
        backends: Mapping[str, Any] | None = None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *,
        should_stop: Callable[[], bool],
    ) -> str:
        """API shortcut: photo + line (empty: the app writes one) -> path of the MP4.

        ``lang`` is the language spoken: "auto" (the line's; English when the app writes
        it), "en" or "zh".
        """
        options = {
            "text": check.text(text, "text", "en").strip() or None,
            "face_index": check.face_index(face_index, "face_index", "en"),
            "mood": check.choice(mood, "mood", "en", MOODS, MOODS[0]),
            "voice": _voice(voice, 1.0, 0.0, "en"),
            "lang": check.choice(lang, "lang", "en", LANGUAGE_CHOICES, "auto"),
            "photo": require_photo(photo, "en"),
        }
        pipeline = pipeline_for(self.pool, backends, "en")
        return str(self._render(pipeline, options, "en", request, progress, should_stop).video)

    def preview_voice(
        self,
        voice: str | None,
        rate: float | None = 1.0,
        pitch: float | None = 0.0,
        photo: Any = None,
        speaker: Any = None,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
    ) -> str:
        """A short sentence in the chosen voice (in its language): the path of its WAV.

        "auto" is read from the chosen face (the largest when none is chosen) when there is a
        photo, else it is the speech backend's default voice.
        """
        chosen = _voice(voice, rate, pitch, lang)
        index = check.face_index(speaker, "speaker", lang)
        path = check.uploaded_file(photo, "photo", lang)
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "previewing a voice"):
            if chosen.name == AUTO and path is not None and pipeline.chooses_voices():
                loaded = pipeline.load_photo(path)
                faces = pipeline.detect_faces(loaded)
                index = choose_face(faces, index).index
                chosen = pipeline.face_voices(loaded, faces, {index: chosen})[0][index]
            language = find_voice(chosen.name).language if pipeline.chooses_voices() else "en"
            speech = pipeline.speak(tr(language, "preview_line"), chosen)
            folder = self.jobs.folders.new()
            wav = folder / served_name(folder, "voice-preview", ".wav")
            return str(write_wav(wav, speech.audio, speech.sample_rate))

    def _render(
        self,
        pipeline: TalkingPhotoPipeline,
        options: dict[str, Any],
        lang: str,
        request: gr.Request | None,
        progress: Callable[..., Any],
        should_stop: Callable[[], bool],
        segments: Callable[[Path], SegmentSink] | None = None,
    ) -> RenderResult:
        """Runs one render in a fresh request folder, with progress and cancellation.

        ``segments``, given the request folder, says where the video also goes in segments
        while it renders (not on the render service, which sends the whole MP4).
        """

        def work(
            folder: Path, report: Callable[[str, float], None], stop: Callable[[], bool]
        ) -> RenderResult:
            output = folder / served_name(folder, VIDEO_STEM, ".mp4")
            render_request = RenderRequest(output=output, watermark=True, **options)
            if self.remote is not None and pipeline is self.pool.base:
                return self.remote.render(render_request, progress=report, should_stop=stop)
            sink = segments(folder) if segments is not None else None
            how = {"progress": report, "should_stop": stop, "segments": sink}
            if self.remote is None:  # the event's own limit keeps it to one at a time
                return pipeline.render(render_request, **how)
            with self._local_render:
                return pipeline.render(render_request, **how)

        return self.jobs.run(work, lang, request, progress, should_stop)

    def cancel(self, request: gr.Request | None = None) -> None:
        """Stops this session's render (single or group) at its next progress report."""
        self.jobs.cancel(request)

    # ------------------------------------------------------------------ small UI changes
    def show_downloads(self) -> dict[str, Any]:
        """Reveals the downloads once a video exists."""
        return gr.update(visible=True)


def _voice(name: Any, rate: Any, pitch: Any, lang: str) -> Voice:
    """The voice the visitor chose (a catalogue name, a role or "auto"), checked."""
    return Voice(
        name=check.choice(name, "voice", lang, voice_choices(), AUTO),
        rate=check.number(rate, "rate", lang, *RATE_RANGE, 1.0),
        pitch_semitones=check.number(pitch, "pitch", lang, *PITCH_RANGE, 0.0),
    )
