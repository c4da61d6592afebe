"""The functions behind the web app's events: ask the pipeline, format its answer.

No pipeline logic lives here: every value the visitor sent is checked first (``app_inputs``),
errors become friendly ``gr.Error`` messages in the visitor's language, progress goes to
``gr.Progress``, and Cancel, ``job.cancel()`` or a closed page stops a render at its next stage
or frame (``app_cancel``). Nothing the visitor typed or uploaded is logged. ``RenderJobs`` and
the error helpers are shared with the Group and Chat handlers (``app_group_handlers.py``,
``app_chat_handlers.py``).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr

import app_inputs as check
from app_backends import PipelinePool
from app_cancel import stoppable
from app_support import (
    LANGUAGES,
    FacesOverview,
    RequestFolders,
    draw_faces,
    face_at,
    faces_overview,
    served_name,
    tr,
)
from pipelines import (
    MOODS,
    Cancelled,
    RenderRequest,
    TalkingPhotoError,
    TalkingPhotoPipeline,
    Voice,
)
from pipelines.types import RenderResult

logger = logging.getLogger(__name__)

#: Start of the video's file name in its request folder; the folder's random id follows (the
#: WAV and SRT sit beside it, with the same name).
VIDEO_STEM = "talking-photo"
#: The sliders' ranges: speaking rate (x normal) and pitch (semitones).
RATE_RANGE = (0.6, 1.6)
PITCH_RANGE = (-6.0, 6.0)

#: A render given its request folder, a progress callback (stage, fraction) and a stop check.
RenderWork = Callable[[Path, Callable[[str, float], None], Callable[[], bool]], RenderResult]


def user_error(lang: str, key: str, **values: Any) -> gr.Error:
    """A gr.Error showing the interface string ``key`` (no traceback in the server log)."""
    return check.refusal(lang, key, **values)


def _where(error: BaseException) -> str:
    """Where an error was raised, as "file.py:line in function" frames: no values, no message."""
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames))


@contextmanager
def friendly_errors(lang: str, action: str) -> Iterator[None]:
    """Turns any error into a gr.Error a person can act on; never shows a traceback.

    The server log gets the error's type and where it was raised, never its message or a
    traceback with values (they may quote what the visitor sent); DEBUG logging adds the full
    traceback.

    Args:
        lang: Interface language code ("en" or "zh").
        action: What was being done, for the server log only (no user data).
    """
    try:
        yield
    except gr.Error:
        raise
    except TalkingPhotoError as error:
        key = next(
            f"error_{cls.__name__}"
            for cls in type(error).__mro__
            if f"error_{cls.__name__}" in LANGUAGES[lang] or cls is TalkingPhotoError
        )
        raise user_error(lang, key, message=error.message) from error
    # The app boundary, the one place a broad except belongs: log the bug for us, and show
    # the visitor a plain message instead of a traceback.
    except Exception as error:
        logger.error("unexpected %s while %s: %s", type(error).__name__, action, _where(error))
        logger.debug("the unexpected error in full", exc_info=True)
        raise user_error(lang, "error_internal") from None


def require_photo(photo: Any, lang: str, name: str = "photo") -> str:
    """The path of the photo this app received; a friendly error when there is none.

    Raises:
        gr.Error: No photo, or not a file this app received (``app_inputs.uploaded_file``).
    """
    path = check.uploaded_file(photo, name, lang)
    if path is None:
        raise user_error(lang, "error_no_photo")
    return path


def pipeline_for(
    pool: PipelinePool, backends: Mapping[str, Any] | None, lang: str
) -> TalkingPhotoPipeline:
    """The pipeline of the visitor's backend choice; warns when the configured one serves it."""
    pipeline, honoured = pool.get(backends)
    if not honoured:
        gr.Warning(tr(lang, "warning_pool_full"), title=tr(lang, "warning_title"))
    return pipeline


def show_warnings(result: RenderResult, lang: str) -> None:
    """Shows the pipeline's warnings (fallbacks, templates, faces not animated)."""
    for warning in result.warnings:
        gr.Warning(warning, title=tr(lang, "warning_title"))


class RenderJobs:
    """Runs renders in fresh request folders, with progress and a Cancel per browser session.

    Args:
        folders: Where each render writes its files.
    """

    def __init__(self, folders: RequestFolders) -> None:
        self.folders = folders
        self._cancel_flags: dict[str, threading.Event] = {}
        self._flags_lock = threading.Lock()

    def run(
        self,
        work: RenderWork,
        lang: str,
        request: gr.Request | None,
        progress: Callable[..., Any],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> RenderResult:
        """Runs ``work`` in a fresh request folder; the folder is removed if it fails.

        Args:
            work: Called with (request folder, progress callback, stop check); returns the
                result.
            lang: Interface language code, for the stage names and errors.
            request: The Gradio request (its session is the one Cancel stops).
            progress: Gradio's progress tracker.
            should_stop: True once the job was cancelled or its visitor left (``app_cancel``);
                this session's Cancel button makes the check true as well.

        Raises:
            gr.Error: Any failure, in words a person can act on ("Cancelled." after Cancel).
        """
        session = getattr(request, "session_hash", None) or "anonymous"
        cancel_flag = threading.Event()
        with self._flags_lock:
            self._cancel_flags[session] = cancel_flag

        def stop() -> bool:
            return cancel_flag.is_set() or should_stop()

        def report(stage: str, fraction: float) -> None:
            if stop():
                raise Cancelled()
            progress(fraction, desc=tr(lang, f"stage_{stage}"))

        folder = self.folders.new()
        finished = False
        try:
            with friendly_errors(lang, "rendering"):
                result = work(folder, report, stop)
            finished = True
        finally:
            with self._flags_lock:
                if self._cancel_flags.get(session) is cancel_flag:
                    del self._cancel_flags[session]
            if not finished:
                shutil.rmtree(folder, ignore_errors=True)
        logger.info("rendered %.1f s of video for %d face(s)", result.duration, len(result.faces))
        return result

    def cancel(self, request: gr.Request | None = None) -> None:
        """Stops this session's render at its next progress report."""
        session = getattr(request, "session_hash", None) or "anonymous"
        with self._flags_lock:
            flag = self._cancel_flags.get(session)
        if flag is not None:
            flag.set()
            logger.info("render cancelled by the user")


class Handlers:
    """The functions the single-render UI events call; each asks the pipeline, formats the answer.

    Args:
        pool: The pipelines by backend choice (models load once per choice, on first use).
        jobs: Runs renders in request folders, with progress and Cancel.
    """

    def __init__(self, pool: PipelinePool, jobs: RenderJobs) -> None:
        self.pool = pool
        self.jobs = jobs

    # ------------------------------------------------------------------ faces
    def clear_faces(self) -> tuple[None, dict[str, Any], None]:
        """Empties the faces view while a new photo is read."""
        return None, gr.update(choices=[], value=None), None

    def find_faces(
        self, photo: Any, lang: str = "en", backends: Mapping[str, Any] | None = None
    ) -> tuple[str | None, dict[str, Any], FacesOverview | None]:
        """Finds the faces: returns the numbered overview, the speaker choices and the state."""
        path = check.uploaded_file(photo, "photo", lang)
        if path is None:
            return self.clear_faces()
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "finding faces"):
            loaded = pipeline.load_photo(path)
            overview = faces_overview(loaded, pipeline.detect_faces(loaded))
        logger.info("found %d face(s)", len(overview.indices))
        choices = gr.update(choices=overview.speaker_choices(lang), value=overview.largest)
        return self._overview_file(overview, [overview.largest]), choices, overview

    def show_choice(self, overview: FacesOverview | None, speaker: Any) -> str | None:
        """Redraws the overview with the chosen speaker highlighted."""
        if overview is None:
            return None
        index = check.face_index(speaker, "speaker", "en")
        return self._overview_file(overview, [] if index is None else [index])

    def pick_face(
        self, overview: FacesOverview | None, event: gr.SelectData
    ) -> tuple[dict[str, Any], Any]:
        """Chooses the face the user clicked on: the speaker and the redrawn overview."""
        if overview is None or not isinstance(event.index, list | tuple) or len(event.index) < 2:
            return gr.update(), gr.update()
        x, y = (check.number(v, "index", "en", -1e6, 1e6, 0.0) for v in event.index[:2])
        index = face_at(overview, x, y)
        if index is None:
            return gr.update(), gr.update()
        return gr.update(value=index), self._overview_file(overview, [index])

    def _overview_file(self, overview: FacesOverview, chosen: list[int]) -> str:
        """The overview drawn into a file whose name carries 128 random bits."""
        return self.jobs.folders.image_file(draw_faces(overview, chosen), "faces")

    # ------------------------------------------------------------------ words
    def suggest_line(
        self,
        photo: Any,
        speaker: Any,
        mood: str,
        seed: float | None,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
    ) -> str:
        """Reads the scene and writes a line for the chosen face."""
        chosen = check.face_index(speaker, "speaker", lang)
        mood = check.choice(mood, "mood", lang, MOODS, MOODS[0])
        seed_value = check.whole_number(seed, "seed", lang, *check.SEED_RANGE, default=0)
        path = require_photo(photo, lang)
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "suggesting a line"):
            loaded = pipeline.load_photo(path)
            faces = pipeline.detect_faces(loaded)
            scene = pipeline.describe_scene(loaded, faces)
            index = chosen if chosen is not None else faces_overview(loaded, faces).largest
            return pipeline.write_line(scene, index, mood, seed=seed_value or 0).text

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
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *,
        should_stop: Callable[[], bool],
    ) -> tuple[str, list[str], str, str]:
        """Renders the talking video: returns the video, the downloads, transcript and summary.

        ``captions`` burns the subtitles into the video; it comes last so that API calls
        written before it existed keep working. ``should_stop`` is supplied by
        ``app_cancel.stoppable`` (Gradio does not see it).
        """
        options = {
            "face_index": check.face_index(speaker, "speaker", lang),
            "mood": check.choice(mood, "mood", lang, MOODS, MOODS[0]),
            "voice": Voice(
                rate=check.number(rate, "rate", lang, *RATE_RANGE, 1.0),
                pitch_semitones=check.number(pitch, "pitch", lang, *PITCH_RANGE, 0.0),
            ),
            "still": check.flag(still, "still", lang),
            "seed": check.whole_number(seed, "seed", lang, *check.SEED_RANGE, default=0),
            "captions": check.flag(captions, "captions", lang),
        }
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
        }
        started = time.perf_counter()
        pipeline = pipeline_for(self.pool, backends, lang)
        result = self._render(pipeline, options, lang, request, progress, should_stop)
        seconds = time.perf_counter() - started
        show_warnings(result, lang)
        transcript = " ".join(line.text for line in result.lines if line.text)
        summary = tr(lang, "summary", duration=result.duration, seconds=seconds)
        files = [str(result.video), str(result.audio), str(result.subtitles)]
        return str(result.video), files, transcript or tr(lang, "own_voice"), summary

    @stoppable
    def talk(
        self,
        photo: Any,
        text: str | None,
        face_index: float | None,
        mood: str | None,
        backends: Mapping[str, Any] | None = None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *,
        should_stop: Callable[[], bool],
    ) -> str:
        """API shortcut: photo + line (empty: the app writes one) -> path of the MP4."""
        options = {
            "text": check.text(text, "text", "en").strip() or None,
            "face_index": check.face_index(face_index, "face_index", "en"),
            "mood": check.choice(mood, "mood", "en", MOODS, MOODS[0]),
            "photo": require_photo(photo, "en"),
        }
        pipeline = pipeline_for(self.pool, backends, "en")
        return str(self._render(pipeline, options, "en", request, progress, should_stop).video)

    def _render(
        self,
        pipeline: TalkingPhotoPipeline,
        options: dict[str, Any],
        lang: str,
        request: gr.Request | None,
        progress: Callable[..., Any],
        should_stop: Callable[[], bool],
    ) -> RenderResult:
        """Runs one render in a fresh request folder, with progress and cancellation."""

        def work(
            folder: Path, report: Callable[[str, float], None], stop: Callable[[], bool]
        ) -> RenderResult:
            output = folder / served_name(folder, VIDEO_STEM, ".mp4")
            render_request = RenderRequest(output=output, watermark=True, **options)
            return pipeline.render(render_request, progress=report, should_stop=stop)

        return self.jobs.run(work, lang, request, progress, should_stop)

    def cancel(self, request: gr.Request | None = None) -> None:
        """Stops this session's render (single or group) at its next progress report."""
        self.jobs.cancel(request)

    # ------------------------------------------------------------------ small UI changes
    def show_downloads(self) -> dict[str, Any]:
        """Reveals the downloads once a video exists."""
        return gr.update(visible=True)

    def voice_tab(self) -> bool:
        """The "use my own voice" tab was opened."""
        return True

    def text_tab(self) -> bool:
        """The "type a line" tab was opened."""
        return False
