"""One render in progress: its progress bar, stage budgets, cancellation, timings and warnings.

Every render (one line, a conversation, a chat answer) goes through one ``RenderRun``, so these
are handled once: each stage reports its start and its share of the progress bar, runs within
``Limits.stage_timeout_seconds`` (``pipelines.stage_timeout``), and stops at the next stage or
frame once the caller's ``should_stop`` says so; drawn frames report progress as they stream to the
encoder.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from pipelines.errors import Cancelled
from pipelines.stage_timeout import StageDeadline

if TYPE_CHECKING:
    from pipelines.video.segments import SegmentSink

T = TypeVar("T")

#: Called with (stage name, overall fraction done in [0, 1]).
ProgressCallback = Callable[[str, float], None]

#: The stages of a render, in order, with their share of the progress bar.
RENDER_STAGES: tuple[tuple[str, float], ...] = (
    ("faces", 0.05),
    ("scene", 0.10),
    ("dialogue", 0.10),
    ("speech", 0.10),
    ("animate", 0.55),
    ("video", 0.10),
)


#: Asked at every stage boundary and before every frame; True stops the render with
#: ``Cancelled`` (e.g. ``threading.Event().is_set``, or "has the client gone away?").
StopCheck = Callable[[], bool]


class RenderRun:
    """Progress, deadlines, cancellation, timings and warnings of one render.

    Args:
        progress: Called with (stage, overall fraction) as the render advances; None for silence.
        stage_seconds: Wall-clock budget of each stage, seconds (``inf`` for none).
        should_stop: Asked at every stage boundary and before every frame; once it returns True
            the render stops with ``Cancelled`` (a model call already running finishes first:
            it cannot be interrupted). None when the render cannot be cancelled.
        segments: Where the video also goes in short segments while it is encoded, for
            showing it before it is finished (``pipelines.video.segments``); None: the MP4 only.
    """

    def __init__(
        self,
        progress: ProgressCallback | None = None,
        stage_seconds: float = float("inf"),
        should_stop: StopCheck | None = None,
        segments: SegmentSink | None = None,
    ) -> None:
        self._callback = progress
        self.segments = segments
        self._weights = dict(RENDER_STAGES)
        self._done = 0.0
        self.stage_seconds = stage_seconds
        self.should_stop = should_stop
        #: Seconds spent per stage, keyed by stage name.
        self.timings: dict[str, float] = {}
        self._warnings: list[str] = []

    # ----------------------------------------------------------------- warnings
    def warn(self, message: str) -> None:
        """Adds something the user should know (each message once)."""
        if message not in self._warnings:
            self._warnings.append(message)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings so far, in the order given."""
        return tuple(self._warnings)

    # ----------------------------------------------------------------- cancelling
    def check_cancelled(self) -> None:
        """Raises Cancelled once ``should_stop`` says so."""
        if self.should_stop is not None and self.should_stop():
            raise Cancelled()

    # ----------------------------------------------------------------- stages
    def _report(self, stage: str, fraction: float) -> None:
        if self._callback is not None:
            self._callback(stage, min(1.0, max(0.0, fraction)))

    @contextmanager
    def stage(self, name: str, *, advance: bool = True) -> Iterator[StageDeadline]:
        """Times a stage and gives its deadline; checks for cancelling before and after.

        Args:
            name: The stage (a key of ``RENDER_STAGES`` for a share of the progress bar).
            advance: Report the stage's start and count its share as done at its end.

        Yields:
            The stage's deadline, started now (``deadline.run`` calls a model within it).
        """
        self.check_cancelled()
        if advance:
            self._report(name, self._done)
        started = time.perf_counter()
        yield StageDeadline(name, self.stage_seconds)
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
        if advance:
            self._done += self._weights.get(name, 0.0)
        self.check_cancelled()

    def call(self, name: str, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Runs one stage's model call within its budget (see ``stage``)."""
        with self.stage(name) as deadline:
            return deadline.run(function, *args, **kwargs)

    def frames(self, frames: Iterable[T], total: int, deadline: StageDeadline) -> Iterator[T]:
        """Passes drawn frames on to the encoder, reporting progress as they go.

        Frames are drawn lazily while the encoder takes them, so the time spent drawing is
        moved from the "video" timing to the "animate" timing, and the progress bar moves
        through both stages' shares frame by frame. Before each frame is handed on, the
        deadline is checked, and ``should_stop`` before each frame is drawn (the encoder then
        removes its partial file).

        Args:
            frames: The animator's frames.
            total: How many there are.
            deadline: The animate stage's deadline.
        """
        begin = self._done
        share = self._weights["animate"] + self._weights["video"]
        step = max(1, total // 50)
        drawing = 0.0
        iterator = iter(frames)
        for index in range(total):
            self.check_cancelled()
            began = time.perf_counter()
            frame = next(iterator, None)
            drawing += time.perf_counter() - began
            if frame is None:
                break
            deadline.check()
            if index % step == 0:
                self._report("animate", begin + share * index / total)
            yield frame
        self._done = begin + share
        self.timings["animate"] = self.timings.get("animate", 0.0) + drawing
        self.timings["video"] = self.timings.get("video", 0.0) - drawing

    def done(self) -> None:
        """Reports completion."""
        self._report("done", 1.0)
