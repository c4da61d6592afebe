"""Showing a video while it renders: its segments go to a streaming ``gr.Video`` as they come.

A render given a ``pipelines.video.segments.SegmentSink`` hands over short MPEG-TS segments of
its video while it encodes (the whole MP4 is still written, once). ``stream_render`` runs such a
render on a thread and yields each segment's path as it arrives, then the render's result; a
generator handler yields the paths to a ``segment_player`` (a ``gr.Video(streaming=True)``),
which plays the first seconds while the rest is drawn. The render thread runs in the handler's
context, so ``gr.Progress`` still moves.

Gradio's streaming video re-muxes every chunk it is given (ffprobe, then ffmpeg to decode its
audio, then ffmpeg to mux video and re-encoded audio): three processes per segment, 0.6-1.1 s
each on a busy 2-core machine, on the same cores as the render. The render's segments already
are what Gradio's HLS player plays (H.264 and AAC in MPEG-TS, one continuous encode with
continuous timestamps), so ``segment_player`` serves them as they are; anything else (the whole
MP4 of a render made on the render service) still goes through Gradio's own path.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import gradio as gr

from pipelines.video.segments import SegmentSink, VideoSegment

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Length of the first segment (short: it is what shows first), then of every later one, s.
FIRST_SEGMENT_SECONDS = 0.5
SEGMENT_SECONDS = 1.0
#: MPEG-TS packets: their size, their first byte, the PID of padding.
_TS_PACKET = 188
_TS_SYNC = 0x47
_TS_NULL_PID = 0x1FFF


def segment_sink(folder: Path, deliver: Callable[[VideoSegment], None]) -> SegmentSink:
    """The app's segment lengths, writing into ``folder``."""
    return SegmentSink(folder, deliver, FIRST_SEGMENT_SECONDS, SEGMENT_SECONDS)


def stream_render(
    render: Callable[[Callable[[VideoSegment], None]], T],
) -> Iterator[VideoSegment | T]:
    """Runs ``render(deliver)`` on a thread; yields each segment, then the render's result.

    Args:
        render: Starts the render, passing ``deliver`` on as its ``SegmentSink``'s (see
            ``segment_sink``); returns the result. The caller removes the segment files.

    Yields:
        Each ``VideoSegment`` as it is finished, in order, then ``render``'s result. A
        segment's file stays until the next item is asked for.

    Raises:
        Whatever ``render`` raised, once the segments before it were yielded.
    """
    arrivals: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()

    def deliver(segment: VideoSegment) -> None:
        arrivals.put(("segment", segment))

    def run() -> None:
        try:
            arrivals.put(("result", render(deliver)))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, re-raised there
            arrivals.put(("error", error))

    context = contextvars.copy_context()  # gr.Progress finds its event through the context
    worker = threading.Thread(target=context.run, args=(run,), name="stream-render", daemon=True)
    worker.start()
    while True:
        kind, value = arrivals.get()
        if kind == "error":
            raise value  # type: ignore[misc]
        yield value  # type: ignore[misc]
        if kind == "result":
            return


def segment_player(**video_options: Any) -> gr.Video:
    """A streaming ``gr.Video`` that plays the render's own MPEG-TS segments as they are.

    A handler announces each segment (``expect``) and yields the path it returns; a path it
    did not announce (a whole MP4) goes through ``gr.Video``'s own streaming. The player is a
    plain ``gr.Video`` whose stream methods are wrapped on the instance (a subclass would make
    Gradio write a ``.pyi`` stub beside this module).

    The player has no download button: what it would save is Gradio's stitching of the
    segments, not the render's MP4, which the Downloads beside it hand over whole.

    Args:
        **video_options: ``gr.Video`` arguments (``streaming=True`` is added).
    """
    video_options.setdefault("buttons", [])
    video = gr.Video(streaming=True, **video_options)
    relay = _SegmentRelay(video.stream_output, video.flush_stream_output, video.end_stream_output)
    video.stream_output = relay.stream_output  # type: ignore[method-assign]
    video.flush_stream_output = relay.flush_stream_output  # type: ignore[method-assign]
    video.end_stream_output = relay.end_stream_output  # type: ignore[method-assign]
    return video


#: Duration (s) of each announced segment not yet streamed, by path (request folders are
#: unique, so one table serves every player and visitor).
_durations: dict[str, float] = {}
_durations_lock = threading.Lock()


def expect(segment: VideoSegment) -> str:
    """Announces a segment about to be yielded to a ``segment_player``; returns its path."""
    with _durations_lock:
        _durations[str(segment.path)] = segment.duration
    return str(segment.path)


class _SegmentRelay:
    """The stream methods of a ``segment_player``: announced segments as they are, else Gradio's.

    Args:
        stream_output, flush_stream_output, end_stream_output: The video's own methods.
    """

    def __init__(
        self,
        stream_output: Callable[..., Any],
        flush_stream_output: Callable[..., Any],
        end_stream_output: Callable[..., Any],
    ) -> None:
        self._stream_output = stream_output
        self._flush_stream_output = flush_stream_output
        self._end_stream_output = end_stream_output
        self._counters: dict[str, dict[int, int]] = {}  # next continuity counters by stream
        self._lock = threading.Lock()

    async def stream_output(
        self, value: str | Path | None, output_id: str, first_chunk: bool
    ) -> tuple[Any, Any]:
        """One segment for the playlist: the file's bytes as they are, or Gradio's way."""
        with _durations_lock:
            duration = None if value is None else _durations.pop(str(value), None)
        with self._lock:
            if first_chunk:
                self._counters[output_id] = {}
            counters = self._counters.get(output_id)
        if duration is None or counters is None:
            return await self._stream_output(value, output_id, first_chunk)
        data = await anyio.to_thread.run_sync(Path(str(value)).read_bytes)
        chunk = {"data": _continued(data, counters), "duration": duration, "extension": ".ts"}
        playlist = {
            "path": output_id,
            "is_stream": True,
            "orig_name": "video-stream.mp4",
            "meta": {"_type": "gradio.FileData"},
        }
        return chunk, playlist

    async def flush_stream_output(self, output_id: str) -> Any:
        """Forgets the stream's counters; Gradio's own encoder (if any) is flushed."""
        with self._lock:
            self._counters.pop(output_id, None)
        return await self._flush_stream_output(output_id)

    def end_stream_output(self, output_id: str) -> None:
        """Forgets the stream's counters, and Gradio's own state."""
        with self._lock:
            self._counters.pop(output_id, None)
        self._end_stream_output(output_id)


def _continued(data: bytes, counters: dict[int, int]) -> bytes:
    """A segment's MPEG-TS packets with continuity counters following the last segment's.

    Each segment file is muxed with counters starting at zero, which a player could take for
    lost packets. ``counters`` (next value per PID) is updated in place. Data that is not whole
    packets is returned unchanged.
    """
    if (
        not data
        or len(data) % _TS_PACKET
        or any(data[offset] != _TS_SYNC for offset in range(0, len(data), _TS_PACKET))
    ):
        return data
    packets = bytearray(data)
    for offset in range(0, len(packets), _TS_PACKET):
        pid = ((packets[offset + 1] & 0x1F) << 8) | packets[offset + 2]
        if pid == _TS_NULL_PID:
            continue
        value = counters.get(pid, 0)
        packets[offset + 3] = (packets[offset + 3] & 0xF0) | value
        if packets[offset + 3] & 0x10:  # a packet with payload advances the counter
            counters[pid] = (value + 1) & 0x0F
    return bytes(packets)
