"""Rendering the Group tab's conversation: whole for ``/converse``, streamed for the Render button.

``GroupRendering`` is the rendering half of ``ui.group_handlers.GroupHandlers``. ``converse``
(the ``/converse`` API) answers with the whole MP4; ``converse_stream`` (the Render button)
yields the video's segments to the streaming player while it renders (``ui.video_stream``),
then the downloads and the summary. Both render the table with
``pipelines.conversation.render.render_conversation`` (a voice per person, the listeners idle),
under the same consent rule and AI mark as a single render.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from pipelines import MOODS, TalkingPhotoPipeline
from pipelines.conversation import Script, render_conversation
from pipelines.types import RenderResult
from pipelines.video.segments import SegmentSink, VideoSegment
from ui import inputs as check
from ui.backends_panel import PipelinePool
from ui.cancel import stoppable, stoppable_stream
from ui.feedback import friendly_errors, pipeline_for, require_photo, show_warnings, user_error
from ui.folders import served_name
from ui.render_jobs import RenderJobs
from ui.strings import tr
from ui.video_stream import expect, segment_sink, stream_render

logger = logging.getLogger(__name__)

#: Start of a conversation video's file name; its request folder's random id follows (WAV and
#: SRT beside it).
CONVERSATION_STEM = "conversation"
#: Sub-folder of a request folder holding the streamed segments while the video renders.
STREAM_FOLDER = "stream"

#: A conversation's render, given its request folder, progress and stop check.
Work = Callable[[Path, Callable[[str, float], None], Callable[[], bool]], RenderResult]


class GroupRendering:
    """Renders the Group tab's table (``GroupHandlers`` inherits these).

    Attributes:
        pool: The pipelines by backend choice.
        jobs: Runs renders with progress and Cancel (shared with the single render).
    """

    pool: PipelinePool
    jobs: RenderJobs

    @stoppable
    def converse(
        self,
        photo: Any,
        script: Any,
        mood: str | None,
        still: bool,
        seed: float | None,
        consent: bool,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        captions: bool = False,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *,
        should_stop: Callable[[], bool],
    ) -> tuple[str, list[str], str]:
        """Renders the conversation in the table: the MP4, the downloads and a summary.

        ``captions`` burns the subtitles ("Person 1: ...") into the video; it comes last so
        that API calls written before it existed keep working. ``should_stop`` is supplied by
        ``ui.cancel.stoppable``.
        """
        args = (photo, script, mood, still, seed, consent, lang, backends, captions)
        work, n_turns = self._conversation(*args, segments=None)
        started = time.perf_counter()
        result = self.jobs.run(work, lang, request, progress, should_stop)
        return str(result.video), *_shown(result, n_turns, time.perf_counter() - started, lang)

    @stoppable_stream
    def converse_stream(
        self,
        photo: Any,
        script: Any,
        mood: str | None,
        still: bool,
        seed: float | None,
        consent: bool,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        captions: bool = False,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *,
        should_stop: Callable[[], bool],
    ) -> Iterator[tuple[Any, Any, Any]]:
        """``converse`` for the Render button: the video plays while it is still rendering.

        Yields each finished segment of the video for the streaming player (the other outputs
        left as they are), then the downloads (the whole MP4, WAV and SRT) and the summary.
        """
        args = (photo, script, mood, still, seed, consent, lang, backends, captions)
        started = time.perf_counter()
        deliveries: list[Callable[[VideoSegment], None]] = []

        def sink(folder: Path) -> SegmentSink:  # in the request folder, removed at the end
            return segment_sink(folder / STREAM_FOLDER, deliveries[0])

        work, n_turns = self._conversation(*args, segments=sink)

        def render(deliver: Callable[[VideoSegment], None]) -> RenderResult:
            deliveries.append(deliver)
            return self.jobs.run(work, lang, request, progress, should_stop)

        for item in stream_render(render):
            if isinstance(item, VideoSegment):
                yield expect(item), gr.skip(), gr.skip()
            else:
                result = item
                shutil.rmtree(result.video.parent / STREAM_FOLDER, ignore_errors=True)
        yield None, *_shown(result, n_turns, time.perf_counter() - started, lang)

    def _conversation(
        self,
        photo: Any,
        script: Any,
        mood: str | None,
        still: bool,
        seed: float | None,
        consent: bool,
        lang: str,
        backends: Mapping[str, Any] | None,
        captions: bool,
        *,
        segments: Callable[[Path], SegmentSink] | None,
    ) -> tuple[Work, int]:
        """The checked render of the table (``converse``'s args) and its number of turns.

        Raises:
            gr.Error: A value is wrong or missing, consent was not given, or the photo has
                fewer than two faces.
        """
        from ui.group_handlers import turns_from_table

        rows = check.table_rows(script, "script", lang)
        mood = check.choice(mood, "mood", lang, MOODS, MOODS[0])
        still = check.flag(still, "still", lang)
        seed_value = check.whole_number(seed, "seed", lang, *check.SEED_RANGE, default=0) or 0
        captions = check.flag(captions, "captions", lang)
        path = require_photo(photo, lang)
        check.consent_given(consent, lang)
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "reading a conversation"):
            n_faces = len(pipeline.detect_faces(pipeline.load_photo(path)))
            if n_faces < 2:
                raise user_error(lang, "error_two_faces", faces=n_faces)
            turns = turns_from_table(rows, n_faces, pipeline.settings.limits.max_text_chars, lang)
        work = _conversation_work(
            pipeline, path, turns, mood, still, seed_value, captions, segments
        )
        return work, len(turns)


def _shown(result: RenderResult, n_turns: int, seconds: float, lang: str) -> tuple[list[str], str]:
    """The downloads and summary of a finished conversation (its warnings shown)."""
    show_warnings(result, lang)
    summary = tr(
        lang, "summary_conversation", turns=n_turns, duration=result.duration, seconds=seconds
    )
    return [str(result.video), str(result.audio), str(result.subtitles)], summary


def _conversation_work(
    pipeline: TalkingPhotoPipeline,
    photo: str,
    turns: Script,
    mood: str | None,
    still: bool,
    seed: int,
    captions: bool = False,
    segments: Callable[[Path], SegmentSink] | None = None,
) -> Work:
    def work(
        folder: Path, report: Callable[[str, float], None], stop: Callable[[], bool]
    ) -> RenderResult:
        return render_conversation(
            pipeline,
            photo,
            turns,
            output=folder / served_name(folder, CONVERSATION_STEM, ".mp4"),
            moods=mood or MOODS[0],  # type: ignore[arg-type]
            still=still,
            seed=seed,
            watermark=True,
            progress=report,
            captions=captions,
            should_stop=stop,
            segments=segments(folder) if segments is not None else None,
        )

    return work
