"""A render's three files: the MP4 (tagged AI-generated), its WAV and its SRT beside it.

``write_outputs`` is the last step of ``pipelines.render.render_timeline``: the frames are
encoded as they are drawn, then the soundtrack and the subtitles are written next to the video.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipelines.audio import write_wav
from pipelines.types import Cue
from pipelines.video.encode import write_video
from pipelines.video.subtitles import write_srt

if TYPE_CHECKING:
    from pipelines.config import Settings
    from pipelines.video.segments import SegmentSink


def write_outputs(
    frames: Iterable[np.ndarray],
    *,
    n_frames: int,
    audio: np.ndarray,
    sample_rate: int,
    cues: Sequence[Cue],
    settings: Settings,
    requested: str | Path | None,
    watermark: bool,
    captions: bool = False,
    segments: SegmentSink | None = None,
) -> tuple[Path, Path, Path]:
    """Encodes the MP4 (tagged AI-generated), then writes its WAV and SRT beside it.

    Args:
        frames: ``n_frames`` (H, W, 3) uint8 RGB frames at ``settings.fps``.
        n_frames: How many frames there are.
        audio: (N,) float32 mono soundtrack in [-1, 1].
        sample_rate: Its samples per second.
        cues: The subtitle cues, in seconds.
        settings: ``fps``, ``crf`` and ``output_dir`` (used when ``requested`` is None).
        requested: The MP4 path asked for (".mp4" is enforced), or None for a new name.
        watermark: Draw the visible "AI-generated" mark.
        captions: Burn the cues into the frames as captions.
        segments: Also hand the video over in short segments while it is encoded.

    Returns:
        The paths of the MP4, the WAV and the SRT.
    """
    video_path = output_path(requested, settings.output_dir)
    write_video(
        frames,
        n_frames=n_frames,
        fps=settings.fps,
        audio=audio,
        sample_rate=sample_rate,
        path=video_path,
        crf=settings.crf,
        metadata={"title": "Talking Photo", "comment": "AI-generated with Talking Photo"},
        watermark="AI-generated" if watermark else None,
        captions=cues if captions else None,
        segments=segments,
    )
    audio_path = write_wav(video_path.with_suffix(".wav"), audio, sample_rate)
    subtitles_path = write_srt(cues, video_path.with_suffix(".srt"))
    return video_path, Path(audio_path), Path(subtitles_path)


def output_path(requested: str | Path | None, output_dir: Path) -> Path:
    """The MP4 path to write: the one asked for (as .mp4), or a fresh name in ``output_dir``."""
    if requested is not None:
        path = Path(requested)
        if path.suffix.lower() != ".mp4":
            path = path.with_suffix(".mp4")
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(output_dir) / f"talking-photo-{stamp}-{uuid.uuid4().hex[:8]}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


__all__ = ["output_path", "write_outputs"]
