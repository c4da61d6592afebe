"""Tests of ui.video_stream: the player that streams a render's own segments, and stream_render.

Real segments from ``write_video`` go through the player's ``stream_output`` as Gradio calls it:
each comes back whole, with its own duration, and with MPEG-TS continuity counters that carry on
from the segment before (each file starts them at zero).
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import numpy as np
import pytest

from pipelines.video.encode import write_video
from pipelines.video.segments import SegmentSink, VideoSegment
from ui.video_stream import expect, segment_player, stream_render

FPS = 25


def counters(data: bytes) -> dict[int, list[int]]:
    """The continuity counters of each PID carrying payload, in packet order."""
    found: dict[int, list[int]] = {}
    for offset in range(0, len(data), 188):
        pid = ((data[offset + 1] & 0x1F) << 8) | data[offset + 2]
        if pid != 0x1FFF and data[offset + 3] & 0x10:
            found.setdefault(pid, []).append(data[offset + 3] & 0x0F)
    return found


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> list[VideoSegment]:
    folder = tmp_path_factory.mktemp("stream")
    delivered: list[VideoSegment] = []
    n_frames = 60
    frames = (np.full((64, 96, 3), 4 * index, np.uint8) for index in range(n_frames))
    audio = (0.2 * np.sin(np.arange(n_frames * 960) / 48000 * 2 * np.pi * 440)).astype(np.float32)
    write_video(
        frames,
        n_frames=n_frames,
        fps=FPS,
        audio=audio,
        sample_rate=48000,
        path=folder / "whole.mp4",
        segments=SegmentSink(folder / "segments", delivered.append),
    )
    return delivered


def test_announced_segments_stream_as_they_are_with_continuous_counters(
    segments: list[VideoSegment],
) -> None:
    import gradio as gr

    with gr.Blocks():
        player = segment_player(label="video")

    async def stream() -> list[dict]:
        chunks = []
        for index, segment in enumerate(segments):
            chunk, playlist = await player.stream_output(expect(segment), "s/run/1", index == 0)
            assert playlist["is_stream"]
            chunks.append(chunk)
        await player.flush_stream_output("s/run/1")
        return chunks

    chunks = asyncio.run(stream())
    assert [c["duration"] for c in chunks] == [s.duration for s in segments]
    assert all(c["extension"] == ".ts" for c in chunks)
    joined = b"".join(c["data"] for c in chunks)
    assert len(joined) == sum(s.path.stat().st_size for s in segments)  # nothing re-muxed
    for pid, values in counters(joined).items():
        steps = {(b - a) % 16 for a, b in itertools.pairwise(values)}
        assert steps <= {1}, f"PID {pid} jumps: {values}"


def test_stream_render_yields_segments_then_the_result_and_reraises() -> None:
    def render(deliver) -> str:
        for index in range(3):
            deliver(VideoSegment(index, Path(f"s{index}.ts"), index * 25, 25, FPS, index == 2))
        return "done"

    items = list(stream_render(render))
    assert [item.index for item in items[:-1]] == [0, 1, 2]
    assert items[-1] == "done"

    def failing(deliver) -> str:
        deliver(VideoSegment(0, Path("s0.ts"), 0, 25, FPS, False))
        raise ValueError("broken")

    steps = stream_render(failing)
    assert next(steps).index == 0
    with pytest.raises(ValueError, match="broken"):
        next(steps)
