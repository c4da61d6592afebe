"""Tests of pipelines.video.segments: a video handed over in segments while it is encoded.

The segments are decoded again with PyAV: together they hold every frame of the whole MP4 (the
same pictures, cut on the planned frames), each with its slice of the audio, and the first ones
arrive while frames are still being drawn. One test renders a real photo with the real models.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from pipelines.video.encode import write_video
from pipelines.video.segments import SegmentSink, VideoSegment, cut_frames
from tests.media_measures import decode, psnr

FPS = 25


def read_segment(path: Path) -> tuple[list[np.ndarray], float, float]:
    """A segment's frames (RGB), its audio's length and its audio's RMS level."""
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray().mean(axis=0) for frame in container.decode(audio=0)]
        rate = container.streams.audio[0].codec_context.sample_rate
    audio = np.concatenate(chunks) if chunks else np.zeros(0)
    level = float(np.sqrt(np.mean(audio**2))) if audio.size else 0.0
    return frames, audio.size / rate, level


class Recorder:
    """Counts the frames handed to the encoder and notes that count at each delivery."""

    def __init__(self, frames: list[np.ndarray]) -> None:
        self.frames = frames
        self.taken = 0
        self.delivered: list[tuple[VideoSegment, int]] = []

    def __iter__(self):
        for frame in self.frames:
            self.taken += 1
            yield frame

    def deliver(self, segment: VideoSegment) -> None:
        assert segment.path.is_file()
        self.delivered.append((segment, self.taken))


def test_cut_frames_first_short_then_regular() -> None:
    assert cut_frames(100, 25, 0.5, 1.0) == [12, 37, 62, 87]
    assert cut_frames(113, 25, 0.5, 1.0) == [12, 37, 62, 87]  # no 1-frame segment at the end
    assert cut_frames(24, 25, 0.5, 1.0) == [12]  # the first cut stays
    assert cut_frames(10, 25, 0.5, 1.0) == []
    assert cut_frames(13, 25, 0.5, 1.0) == [12]
    with pytest.raises(ValueError, match="positive"):
        SegmentSink(Path("x"), print, first_seconds=0)


def test_segments_cover_the_video_and_arrive_during_the_encode(tmp_path: Path) -> None:
    n_frames = 110  # 4.4 s
    rng = np.random.default_rng(3)
    frames = []
    for index in range(n_frames):  # a moving bright square on noise: every frame differs
        frame = rng.integers(40, 90, (240, 320, 3), dtype=np.uint8)
        frame[60:120, 2 * index : 2 * index + 60] = 230
        frames.append(frame)
    rate = 24000
    t = np.arange(round(n_frames / FPS * rate)) / rate
    audio = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    recorder = Recorder(frames)
    sink = SegmentSink(tmp_path / "segments", recorder.deliver)
    video = write_video(
        recorder,
        n_frames=n_frames,
        fps=FPS,
        audio=audio,
        sample_rate=rate,
        path=tmp_path / "whole.mp4",
        segments=sink,
    )

    segments = [segment for segment, _ in recorder.delivered]
    assert [segment.index for segment in segments] == list(range(len(segments)))
    assert [s.first_frame for s in segments[1:]] == cut_frames(n_frames, FPS, 0.5, 1.0)
    assert sum(segment.n_frames for segment in segments) == n_frames
    assert [segment.last for segment in segments] == [False] * (len(segments) - 1) + [True]
    # The first segment was handed over while most frames were still to come.
    assert recorder.delivered[0][1] < n_frames // 2

    whole = decode(video)
    assert len(whole.frames) == n_frames
    for segment in segments:
        pictures, audio_seconds, level = read_segment(segment.path)
        assert len(pictures) == segment.n_frames
        for offset in (0, segment.n_frames - 1):
            same = whole.frames[segment.first_frame + offset]
            assert psnr(pictures[offset], same) > 40  # the same encode, not a second one
        assert audio_seconds == pytest.approx(segment.duration, abs=0.1)
        assert level > 0.1  # its slice of the tone


@pytest.mark.slow
def test_render_hands_over_segments_before_it_ends(
    pipeline, examples: Path, tmp_path: Path
) -> None:
    output = tmp_path / "talk.mp4"
    delivered: list[tuple[VideoSegment, bool]] = []

    def deliver(segment: VideoSegment) -> None:
        delivered.append((segment, output.exists()))

    result = pipeline.render(
        examples / "einstein_bw.jpg",
        text="Imagination is more important than knowledge, for knowledge is limited.",
        output=output,
        segments=SegmentSink(tmp_path / "segments", deliver),
    )
    whole = decode(result.video)
    segments = [segment for segment, _ in delivered]
    assert len(segments) >= 3
    assert not delivered[0][1]  # the first segment came before the MP4 was written
    assert sum(segment.n_frames for segment in segments) == len(whole.frames)
    assert segments[-1].last
    total_audio = 0.0
    for segment in segments:
        pictures, audio_seconds, _ = read_segment(segment.path)
        assert len(pictures) == segment.n_frames
        assert psnr(pictures[0], whole.frames[segment.first_frame]) > 40
        total_audio += audio_seconds
    assert total_audio == pytest.approx(result.duration, abs=0.15)
