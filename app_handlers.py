"""The functions behind the web app's events: ask the pipeline, format its answer.

No pipeline logic lives here: errors become friendly ``gr.Error`` messages in the visitor's
language, progress goes to ``gr.Progress``, and Cancel stops a render at its next progress report.
``RenderJobs`` and the error helpers are shared with the Group and Chat handlers
(``app_group_handlers.py``, ``app_chat_handlers.py``).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from app_backends import PipelinePool
from app_support import (
    LANGUAGES,
    FacesOverview,
    RequestFolders,
    chosen_faces,
    draw_faces,
    face_at,
    faces_overview,
    tr,
    uploaded_path,
)
from pipelines import MOODS, RenderRequest, TalkingPhotoError, TalkingPhotoPipeline, Voice
from pipelines.types import RenderResult

logger = logging.getLogger(__name__)

#: File name of the video inside each request folder (the WAV and SRT sit beside it).
VIDEO_NAME = "talking-photo.mp4"

#: A render given its request folder and a progress callback (stage, fraction).
RenderWork = Callable[[Path, Callable[[str, float], None]], RenderResult]


def user_error(lang: str, key: str, **values: Any) -> gr.Error:
    """A gr.Error showing the interface string ``key`` (no traceback in the server log)."""
    return gr.Error(tr(lang, key, **values), title=tr(lang, "error_title"), print_exception=False)


class _Cancelled(Exception):
    """Raised from the progress callback when the user pressed Cancel."""


@contextmanager
def friendly_errors(lang: str, action: str) -> Iterator[None]:
    """Turns any error into a gr.Error a person can act on; never shows a traceback.

    Args:
        lang: Interface language code ("en" or "zh").
        action: What was being done, for the server log only (no user data).
    """
    try:
        yield
    except gr.Error:
        raise
    except _Cancelled as cancelled:
        raise user_error(lang, "cancelled") from cancelled
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
        logger.exception("unexpected error while %s", action)
        raise user_error(lang, "error_internal") from error


def require_photo(photo: Any, lang: str) -> str:
    """The uploaded photo's path; a friendly error when there is none."""
    path = uploaded_path(photo)
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
    ) -> RenderResult:
        """Runs ``work`` in a fresh request folder; the folder is removed if it fails.

        Args:
            work: Called with (request folder, progress callback); returns the result.
            lang: Interface language code, for the stage names and errors.
            request: The Gradio request (its session is the one Cancel stops).
            progress: Gradio's progress tracker.

        Raises:
            gr.Error: Any failure, in words a person can act on ("Cancelled." after Cancel).
        """
        session = getattr(request, "session_hash", None) or "anonymous"
        cancel_flag = threading.Event()
        with self._flags_lock:
            self._cancel_flags[session] = cancel_flag

        def report(stage: str, fraction: float) -> None:
            if cancel_flag.is_set():
                raise _Cancelled()
            progress(fraction, desc=tr(lang, f"stage_{stage}"))

        folder = self.folders.new()
        finished = False
        try:
            with friendly_errors(lang, "rendering"):
                result = work(folder, report)
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
    ) -> tuple[np.ndarray | None, dict[str, Any], FacesOverview | None]:
        """Finds the faces: returns the numbered overview, the speaker choices and the state."""
        path = uploaded_path(photo)
        if path is None:
            return self.clear_faces()
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "finding faces"):
            loaded = pipeline.load_photo(path)
            overview = faces_overview(loaded, pipeline.detect_faces(loaded))
        logger.info("found %d face(s)", len(overview.indices))
        choices = gr.update(choices=overview.speaker_choices(lang), value=overview.largest)
        return draw_faces(overview, [overview.largest]), choices, overview

    def show_choice(self, overview: FacesOverview | None, speaker: Any) -> np.ndarray | None:
        """Redraws the overview with the chosen speaker highlighted."""
        return None if overview is None else draw_faces(overview, chosen_faces(speaker))

    def pick_face(
        self, overview: FacesOverview | None, event: gr.SelectData
    ) -> tuple[dict[str, Any], Any]:
        """Chooses the face the user clicked on: the speaker and the redrawn overview."""
        if overview is None or not isinstance(event.index, list | tuple):
            return gr.update(), gr.update()
        index = face_at(overview, float(event.index[0]), float(event.index[1]))
        if index is None:
            return gr.update(), gr.update()
        return gr.update(value=index), draw_faces(overview, [index])

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
        path = require_photo(photo, lang)
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "suggesting a line"):
            loaded = pipeline.load_photo(path)
            faces = pipeline.detect_faces(loaded)
            scene = pipeline.describe_scene(loaded, faces)
            speakers = chosen_faces(speaker)
            index = speakers[0] if speakers else faces_overview(loaded, faces).largest
            return pipeline.write_line(scene, index, mood, seed=int(seed or 0)).text

    # ------------------------------------------------------------------ render
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
    ) -> tuple[str, list[str], str, str]:
        """Renders the talking video: returns the video, the downloads, transcript and summary.

        ``captions`` burns the subtitles into the video; it comes last so that API calls
        written before it existed keep working.
        """
        path = require_photo(photo, lang)
        if not consent:
            raise user_error(lang, "error_consent")
        use_voice = uploaded_path(audio) is not None if voice_mode is None else bool(voice_mode)
        audio_path = uploaded_path(audio) if use_voice else None
        if use_voice and audio_path is None:
            raise user_error(lang, "error_no_audio")
        speakers = chosen_faces(speaker)
        request_options = {
            "photo": path,
            "text": None if use_voice else ((text or "").strip() or None),
            "audio": audio_path,
            "face_index": speakers[0] if speakers else None,
            "mood": mood or MOODS[0],
            "voice": Voice(rate=float(rate), pitch_semitones=float(pitch)),
            "still": bool(still),
            "seed": int(seed or 0),
            "captions": bool(captions),
        }
        started = time.perf_counter()
        pipeline = pipeline_for(self.pool, backends, lang)
        result = self._render(pipeline, request_options, lang, request, progress)
        seconds = time.perf_counter() - started
        show_warnings(result, lang)
        transcript = " ".join(line.text for line in result.lines if line.text)
        summary = tr(lang, "summary", duration=result.duration, seconds=seconds)
        files = [str(result.video), str(result.audio), str(result.subtitles)]
        return str(result.video), files, transcript or tr(lang, "own_voice"), summary

    def talk(
        self,
        photo: Any,
        text: str | None,
        face_index: float | None,
        mood: str | None,
        backends: Mapping[str, Any] | None = None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        """API shortcut: photo + line (empty: the app writes one) -> path of the MP4."""
        options = {
            "photo": require_photo(photo, "en"),
            "text": (text or "").strip() or None,
            "face_index": None if face_index is None else int(face_index),
            "mood": mood or MOODS[0],
        }
        pipeline = pipeline_for(self.pool, backends, "en")
        return str(self._render(pipeline, options, "en", request, progress).video)

    def _render(
        self,
        pipeline: TalkingPhotoPipeline,
        options: dict[str, Any],
        lang: str,
        request: gr.Request | None,
        progress: Callable[..., Any],
    ) -> RenderResult:
        """Runs one render in a fresh request folder, with progress and cancellation."""

        def work(folder: Path, report: Callable[[str, float], None]) -> RenderResult:
            render_request = RenderRequest(output=folder / VIDEO_NAME, watermark=True, **options)
            return pipeline.render(render_request, progress=report)

        return self.jobs.run(work, lang, request, progress)

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
