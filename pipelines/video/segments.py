"""Short, separately playable pieces of a video, handed over while the rest is still encoding.

A caller who wants to show a video before it is finished passes a ``SegmentSink`` to
``write_video`` (or to a render: ``TalkingPhotoPipeline.render(segments=...)``). The one H.264
and AAC encode then feeds two outputs through ffmpeg's ``tee`` muxer: the whole MP4, written
as without a sink, and MPEG-TS segments cut on the render's own frames (a keyframe is forced on
each cut, so each segment starts with a picture of its own). Each segment carries its slice of
the audio. As ffmpeg closes a segment, it names it on its standard output; a reader thread
notices, and the sink's ``deliver`` is called, on the thread feeding the frames, before the next
frame is written (so a ``deliver`` that raises stops the encode like a failing frame would).

The first segment is short (``first_seconds``), so the first picture can be shown soon; the
others are ``seconds`` long. A segment is complete only once the encoder has moved past its
last frame, which takes its look-ahead (10 to 30 frames with x264's ``veryfast``, more on a
busy machine).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

__all__ = ["SegmentSink", "VideoSegment", "cut_frames"]

#: Name of the n-th segment file in the sink's folder.
SEGMENT_PATTERN = "segment-%05d.ts"


@dataclass(frozen=True)
class VideoSegment:
    """One finished piece of a video being encoded.

    Attributes:
        index: 0 for the first segment, then 1, 2, ...
        path: The MPEG-TS file (H.264 + AAC) holding it; it stays until the caller removes it.
        first_frame: Index of its first frame in the whole video.
        n_frames: How many frames it holds.
        fps: Frames per second of the video.
        last: True for the final segment of the video.
    """

    index: int
    path: Path
    first_frame: int
    n_frames: int
    fps: int
    last: bool

    @property
    def start(self) -> float:
        """Where it starts in the whole video, seconds."""
        return self.first_frame / self.fps

    @property
    def duration(self) -> float:
        """How long it plays, seconds."""
        return self.n_frames / self.fps


@dataclass(frozen=True)
class SegmentSink:
    """Where the segments of a video being encoded go, and who is told about each.

    Attributes:
        folder: Folder for the segment files (created if missing); the caller removes them.
        deliver: Called with each ``VideoSegment`` once its file is complete, in order, on the
            thread that feeds the encoder; an exception raised by it stops the encode.
        first_seconds: Length of the first segment, seconds (short: it is what shows first).
        seconds: Length of every later segment, seconds (the last one may be shorter).
    """

    folder: Path
    deliver: Callable[[VideoSegment], None]
    first_seconds: float = 0.5
    seconds: float = 1.0

    def __post_init__(self) -> None:
        """Refuses segment lengths that are not positive."""
        if not (self.first_seconds > 0 and self.seconds > 0):
            raise ValueError(
                f"Segment lengths must be positive, got {self.first_seconds} and {self.seconds}."
            )


def cut_frames(n_frames: int, fps: int, first_seconds: float, seconds: float) -> list[int]:
    """The frames where a new segment starts (frame 0 excluded), in increasing order.

    Args:
        n_frames: Frames in the whole video.
        fps: Frames per second.
        first_seconds: Length of the first segment, seconds.
        seconds: Length of every later segment, seconds.

    Returns:
        Frame indices in (0, n_frames); empty when the video fits in one segment. Every
        segment holds at least one frame; a last one shorter than half a segment is joined
        to the one before it (never to the first).
    """
    first = max(1, round(first_seconds * fps))
    step = max(1, round(seconds * fps))
    cuts = list(range(first, n_frames, step))
    if len(cuts) > 1 and n_frames - cuts[-1] < step / 2:
        cuts.pop()
    return cuts


class SegmentWatcher:
    """Reads ffmpeg's list of closed segments and turns each line into a ``VideoSegment``.

    Args:
        sink: Where the segments go.
        cuts: ``cut_frames`` of the video.
        n_frames: Frames in the whole video.
        fps: Frames per second.
    """

    def __init__(self, sink: SegmentSink, cuts: list[int], n_frames: int, fps: int) -> None:
        self.sink = sink
        self._bounds = [0, *cuts, n_frames]
        self._fps = fps
        self._ready: queue.SimpleQueue[VideoSegment] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.delivered = 0

    @property
    def cuts(self) -> list[int]:
        """The frames where a new segment starts (frame 0 excluded)."""
        return self._bounds[1:-1]

    @property
    def n_frames(self) -> int:
        """Frames in the whole video."""
        return self._bounds[-1]

    def start(self, listing: IO[bytes]) -> None:
        """Starts reading ``listing`` (ffmpeg's standard output) on a daemon thread."""
        self._thread = threading.Thread(
            target=self._read, args=(listing,), name="segment-list", daemon=True
        )
        self._thread.start()

    def _read(self, listing: IO[bytes]) -> None:
        index = 0
        for line in listing:
            if not line.strip() or index >= len(self._bounds) - 1:
                continue
            first, end = self._bounds[index], self._bounds[index + 1]
            self._ready.put(
                VideoSegment(
                    index=index,
                    path=self.sink.folder / (SEGMENT_PATTERN % index),
                    first_frame=first,
                    n_frames=end - first,
                    fps=self._fps,
                    last=index == len(self._bounds) - 2,
                )
            )
            index += 1

    def deliver_ready(self) -> None:
        """Calls the sink's ``deliver`` for every segment closed since the last call."""
        while True:
            try:
                segment = self._ready.get_nowait()
            except queue.Empty:
                return
            self.sink.deliver(segment)
            self.delivered += 1

    def finish(self) -> None:
        """After ffmpeg exited: waits for the reader and delivers the remaining segments."""
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self.deliver_ready()
        expected = len(self._bounds) - 1
        if self.delivered != expected:
            logger.warning("%d of %d video segments were delivered", self.delivered, expected)


def keyframe_expression(cuts: list[int]) -> str:
    """The value of ffmpeg's ``-force_key_frames`` putting a keyframe on each cut frame."""
    return "expr:" + ("+".join(f"eq(n,{cut})" for cut in cuts) or "eq(n,0)")


def _escape(text: str, special: str) -> str:
    """Backslash-escapes ``special`` characters, the backslash and the quote for ffmpeg."""
    return "".join("\\" + char if char in special + "\\'" else char for char in text)


def tee_output(mp4: Path, watcher: SegmentWatcher) -> list[str]:
    """The ffmpeg output arguments writing the whole MP4 and the segments from one encode.

    Args:
        mp4: Where the (temporary) MP4 goes.
        watcher: Says where the segments go and where they are cut.

    Returns:
        ``-force_key_frames ... -f tee SPEC``; ffmpeg lists each closed segment on stdout.
        x264 gets no separate look-ahead thread buffer (``sync-lookahead=0``), which leaves
        the bitstream as it is (the same bytes) and hands each frame out about 6 frames
        sooner.
    """
    cuts = watcher.cuts
    segment_options = {
        "f": "segment",
        "segment_format": "mpegts",
        "segment_frames": ",".join(str(cut) for cut in cuts) or "0",
        "segment_list": "pipe:1",
        "segment_list_type": "flat",
        "segment_list_flags": "live",
    }
    if not cuts:  # one segment: cut nowhere (a cut at frame 0 is no cut)
        segment_options["segment_frames"] = str(watcher.n_frames + 1)
    options = ":".join(f"{key}={_escape(value, ':')}" for key, value in segment_options.items())
    pattern = str(watcher.sink.folder).replace("%", "%%") + "/" + SEGMENT_PATTERN
    slaves = [f"[f=mp4:movflags=+faststart]{mp4}", f"[{options}]{pattern}"]
    spec = "|".join(_escape(slave, "|") for slave in slaves)
    return [
        *["-x264-params", "sync-lookahead=0", "-force_key_frames", keyframe_expression(cuts)],
        *["-f", "tee", spec],
    ]
