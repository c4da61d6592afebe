"""Encode frames and audio into a browser-playable MP4 (H.264 + AAC) with ffmpeg.

Frames are streamed as raw RGB to the ffmpeg binary shipped with ``imageio-ffmpeg`` through a
stdin pipe; the audio is written to a temporary WAV next to the output, cut or padded with silence
to exactly the video's length. The MP4 is written to a temporary file in the output folder and
renamed into place only when ffmpeg succeeded, so a failed or interrupted encode never leaves a
partial file behind.

Every video is labelled as machine-made: the MP4 ``comment`` tag always says
"AI-generated with Talking Photo", and by default a small semi-transparent "AI-generated" mark is
drawn in the bottom-right corner of each frame. Subtitle cues can be burned into the frames as
captions (``pipelines.video.captions``). With a ``SegmentSink`` the same encode also hands over
short MPEG-TS segments as they are finished (``pipelines.video.segments``), for showing the video
while it is made.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from pipelines.errors import TalkingPhotoError
from pipelines.types import Cue
from pipelines.video.captions import CaptionTrack
from pipelines.video.segments import SegmentSink, SegmentWatcher, cut_frames, tee_output
from pipelines.video.subtitles import write_srt
from pipelines.video.watermark import FrameCanvas

logger = logging.getLogger(__name__)

__all__ = ["AI_COMMENT", "VideoEncodeError", "write_srt", "write_video"]

#: Always present in the MP4 ``comment`` tag.
AI_COMMENT = "AI-generated with Talking Photo"

_AUDIO_RATES_KEPT = (44100, 48000)  # other input rates are resampled to 48 kHz for AAC
_AUDIO_BITRATE = "160k"
_STDERR_TAIL_LINES = 15
_METADATA_KEY = re.compile(r"^[A-Za-z0-9_]+$")


class VideoEncodeError(TalkingPhotoError, RuntimeError):
    """The MP4 could not be written: ffmpeg failed, or the output folder is not writable."""


#: The ffmpeg filter from RGB frames to what browsers play: BT.709 limited-range YUV with 4:2:0
#: chroma, tagged, so browsers show the colours that were sent.
BROWSER_YUV_FILTER = (
    "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
    "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
)


def write_video(
    frames: Iterable[np.ndarray],
    *,
    n_frames: int,
    fps: int,
    audio: np.ndarray,
    sample_rate: int,
    path: str | Path,
    crf: int = 20,
    metadata: Mapping[str, str] | None = None,
    watermark: str | None = "AI-generated",
    threads: int | None = None,
    captions: Sequence[Cue] | None = None,
    segments: SegmentSink | None = None,
) -> Path:
    """Encodes frames plus audio into an MP4 file (H.264 High yuv420p + AAC, faststart).

    Args:
        frames: Exactly ``n_frames`` frames, each (H, W, 3) uint8 RGB, all the same size. Odd
            sizes are padded to even by repeating the last row/column (never scaled). The
            arrays are not modified.
        n_frames: Number of frames the iterator yields; normally round(audio duration * fps).
        fps: Frames per second.
        audio: (N,) or (N, C) samples, float in [-1, 1] or int16. Cut, or padded with silence,
            to exactly n_frames / fps seconds.
        sample_rate: Audio samples per second.
        path: Where to write the MP4. Missing parent folders are created.
        crf: H.264 constant rate factor, 0 (lossless) to 51 (worst); 18-23 is usual.
        metadata: Extra MP4 tags (e.g. {"title": ...}); keys are letters, digits or "_". The
            ``comment`` tag always contains "AI-generated with Talking Photo".
        watermark: Text of the visible corner mark, or None for no mark.
        threads: Encoder threads; None lets x264 choose (about 1.5 per core).
        captions: Cues (times in seconds) to burn in as captions at the bottom centre, each
            while it is spoken, split like the SRT; None or empty for none.
        segments: Also hand the video over in short MPEG-TS segments (H.264 + AAC, cut on
            frames, a keyframe forced on each cut) while it is encoded; the MP4 is the same
            encode, written whole as without. None: the MP4 only.

    Returns:
        The path of the written MP4.

    Raises:
        ValueError: A frame has the wrong shape or dtype, or an argument is out of range.
        RuntimeError: The iterator yielded fewer or more than ``n_frames`` frames.
        VideoEncodeError: ffmpeg failed (the message ends with its error output), or the
            output cannot be written.
    """
    _check_arguments(n_frames, fps, sample_rate, crf)
    out_path = Path(path)
    tags = _mp4_tags(metadata)
    samples = _fit_audio(audio, sample_rate, n_frames, fps)

    frame_iter = iter(frames)
    first = next(frame_iter, None)
    if first is None:
        raise RuntimeError(f"The frames iterator yielded no frames; expected {n_frames}.")
    _check_frame(first, None, 0)
    height, width = first.shape[:2]

    out_dir = out_path.parent
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        video_tmp = _reserve_temp(out_dir, out_path.name, ".part.mp4")
    except OSError as error:
        raise VideoEncodeError(
            "video.cannot_write_folder", folder=str(out_dir), reason=str(error.strerror or error)
        ) from error
    audio_tmp: Path | None = None
    done = False
    started = time.perf_counter()
    try:
        audio_tmp = _reserve_temp(out_dir, out_path.name, ".audio.wav")
        out_rate = _write_wav(audio_tmp, samples, sample_rate)
        command = _ffmpeg_command(
            width=width + width % 2,
            height=height + height % 2,
            fps=fps,
            audio_path=audio_tmp,
            audio_channels=samples.shape[1],
            out_rate=out_rate,
            crf=crf,
            tags=tags,
            threads=threads,
            out=video_tmp,
        )
        watcher = None
        if segments is not None:
            segments.folder.mkdir(parents=True, exist_ok=True)
            cuts = cut_frames(n_frames, fps, segments.first_seconds, segments.seconds)
            watcher = SegmentWatcher(segments, cuts, n_frames, fps)
            command = _without_mp4_output(command) + tee_output(video_tmp, watcher)
        track = CaptionTrack(captions, fps, width, height) if captions else None
        canvas = FrameCanvas(width, height, watermark, track)
        _run_ffmpeg(command, _chain_first(first, frame_iter), canvas, n_frames, watcher)
        _publish(video_tmp, out_path)
        done = True
    finally:
        if audio_tmp is not None:
            audio_tmp.unlink(missing_ok=True)
        if not done:
            video_tmp.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    logger.debug("Video written to %s", out_path)  # paths may name the user's files
    logger.info(
        "Wrote a video: %d frames of %dx%d at %d fps (%.2f s) in %.2f s (%.1f frames/s)",
        n_frames,
        width,
        height,
        fps,
        n_frames / fps,
        elapsed,
        n_frames / max(elapsed, 1e-9),
    )
    return out_path


def _check_arguments(n_frames: int, fps: int, sample_rate: int, crf: int) -> None:
    """Refuses a frame count, rate or quality out of range (ValueError)."""
    if n_frames < 1:
        raise ValueError(f"n_frames must be at least 1, got {n_frames}.")
    if fps < 1 or sample_rate < 1:
        raise ValueError(f"fps and sample_rate must be positive, got {fps} and {sample_rate}.")
    if not 0 <= crf <= 51:
        raise ValueError(f"crf must be between 0 and 51, got {crf}.")


def _publish(finished: Path, out_path: Path) -> None:
    """Moves the finished MP4 into place, readable by everyone (mkstemp made it private).

    Raises:
        VideoEncodeError: It cannot be moved there.
    """
    try:
        finished.chmod(0o644)
        os.replace(finished, out_path)
    except OSError as error:
        raise VideoEncodeError(
            "video.cannot_write", path=str(out_path), reason=str(error.strerror or error)
        ) from error


def _run_ffmpeg(
    command: list[str],
    frames: Iterable[np.ndarray],
    canvas: FrameCanvas,
    n_frames: int,
    watcher: SegmentWatcher | None = None,
) -> None:
    """Runs ffmpeg, feeds it the frames on stdin and waits for it to finish.

    ffmpeg's error output goes to an anonymous temporary file (so the pipe cannot fill up and
    deadlock). On any failure ffmpeg is killed before the exception propagates. With a
    ``watcher``, ffmpeg lists each closed segment on stdout, and the segments are delivered
    between frames and once more after ffmpeg exits.

    Raises:
        VideoEncodeError: ffmpeg stopped early or exited with an error.
        RuntimeError: The iterator yielded fewer or more than n_frames frames.
    """
    logger.debug("ffmpeg command: %s", command)
    with tempfile.TemporaryFile() as stderr_file:
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL if watcher is None else subprocess.PIPE,
                stderr=stderr_file,
            )
        except OSError as error:
            raise VideoEncodeError(
                "video.cannot_start", program=command[0], reason=str(error.strerror or error)
            ) from error
        stdin = proc.stdin
        assert stdin is not None  # stdin=PIPE was given
        if watcher is not None:
            assert proc.stdout is not None  # stdout=PIPE was given
            watcher.start(proc.stdout)
        try:
            n_written = _stream_frames(stdin, frames, canvas, n_frames, watcher)
            if n_written < n_frames:  # ffmpeg closed its input early
                proc.wait()
                raise VideoEncodeError("video.stopped_reading", tail=_ffmpeg_tail(stderr_file))
            try:
                stdin.close()
            except BrokenPipeError as error:
                proc.wait()
                raise VideoEncodeError(
                    "video.stopped_early", tail=_ffmpeg_tail(stderr_file)
                ) from error
            return_code = proc.wait()
            if return_code != 0:
                raise VideoEncodeError(
                    "video.exit_code", code=return_code, tail=_ffmpeg_tail(stderr_file)
                )
            if watcher is not None:
                watcher.finish()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            with contextlib.suppress(BrokenPipeError):
                stdin.close()
        stderr_file.seek(0)
        warnings = stderr_file.read().decode("utf-8", errors="replace").strip()
        if warnings:
            logger.debug("ffmpeg warnings:\n%s", warnings)


def _stream_frames(
    stdin: IO[bytes],
    frames: Iterable[np.ndarray],
    canvas: FrameCanvas,
    n_frames: int,
    watcher: SegmentWatcher | None = None,
) -> int:
    """Writes the frames to ffmpeg's stdin, delivering closed segments between frames.

    Returns:
        Number of frames written; less than n_frames only when ffmpeg closed the pipe.

    Raises:
        RuntimeError: The iterator yielded fewer or more than n_frames frames.
    """
    count = 0
    first_shape: tuple[int, ...] | None = None
    for frame in frames:
        if count == n_frames:
            raise RuntimeError(
                f"The frames iterator yielded more than the expected {n_frames} frames. "
                "The partial video was removed."
            )
        _check_frame(frame, first_shape, count)
        first_shape = frame.shape
        try:
            stdin.write(canvas.prepare(frame).data.cast("B"))
        except BrokenPipeError:
            return count
        count += 1
        if watcher is not None:
            watcher.deliver_ready()
    if count < n_frames:
        raise RuntimeError(
            f"The frames iterator yielded {count} frames; expected {n_frames}. "
            "The partial video was removed."
        )
    return count


def _chain_first(first: np.ndarray, rest: Iterable[np.ndarray]) -> Iterable[np.ndarray]:
    """Yields ``first`` and then everything in ``rest``."""
    yield first
    yield from rest


def _check_frame(frame: np.ndarray, expected_shape: tuple[int, ...] | None, index: int) -> None:
    """Raises ValueError unless frame is (H, W, 3) uint8 of the expected shape."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError(f"Frame {index} must be a uint8 numpy array.")
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 2 or frame.shape[1] < 2:
        raise ValueError(f"Frame {index} must be (H, W, 3) RGB; got shape {frame.shape}.")
    if expected_shape is not None and frame.shape != expected_shape:
        raise ValueError(
            f"Frame {index} has shape {frame.shape}; earlier frames were {expected_shape}."
        )


def _fit_audio(audio: np.ndarray, sample_rate: int, n_frames: int, fps: int) -> np.ndarray:
    """Converts audio to float32 (N, C) in [-1, 1] of exactly n_frames / fps seconds.

    Returns:
        (round(n_frames * sample_rate / fps), C) float32 samples: the input cut, or padded
        at the end with silence.
    """
    samples = np.asarray(audio)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or samples.shape[1] < 1:
        raise ValueError(f"audio must be (N,) or (N, C); got shape {samples.shape}.")
    if np.issubdtype(samples.dtype, np.integer):
        samples = samples.astype(np.float32) / float(np.iinfo(samples.dtype).max + 1)
    samples = np.nan_to_num(samples.astype(np.float32, copy=False))
    target = round(n_frames * sample_rate / fps)
    have = samples.shape[0]
    if have != target:
        logger.debug(
            "Audio %d samples, video needs %d: %s",
            have,
            target,
            "cut" if have > target else "padded",
        )
    fitted = np.zeros((target, samples.shape[1]), np.float32)
    fitted[: min(have, target)] = samples[:target]
    return np.clip(fitted, -1.0, 1.0, out=fitted)


def _write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> int:
    """Writes (N, C) float32 samples as a 32-bit float WAV.

    Returns:
        The sample rate the AAC track will have (the input rate if 44.1 or 48 kHz, else 48 kHz).
    """
    from pipelines.audio import wav_bytes

    path.write_bytes(wav_bytes(samples, sample_rate, "FLOAT"))  # OSError names a full disk
    return sample_rate if sample_rate in _AUDIO_RATES_KEPT else 48000


def _reserve_temp(folder: Path, name: str, suffix: str) -> Path:
    """Creates an empty hidden temporary file in folder and returns its path."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
    os.close(handle)
    return Path(temp_name)


def _mp4_tags(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """The tags to write: metadata plus a comment that always names the video AI-generated."""
    tags = {str(key): str(value) for key, value in (metadata or {}).items()}
    for key in tags:
        if not _METADATA_KEY.match(key):
            raise ValueError(f"Metadata key {key!r} must be letters, digits or '_'.")
    comment = tags.get("comment", "").strip()
    if AI_COMMENT not in comment:
        comment = f"{comment} ({AI_COMMENT})" if comment else AI_COMMENT
    tags["comment"] = comment
    return tags


def _ffmpeg_command(
    *,
    width: int,
    height: int,
    fps: int,
    audio_path: Path,
    audio_channels: int,
    out_rate: int,
    crf: int,
    tags: Mapping[str, str],
    threads: int | None,
    out: Path,
) -> list[str]:
    """The ffmpeg argument list: raw RGB frames on stdin + a WAV file -> MP4 at ``out``."""
    import imageio_ffmpeg

    layout = {1: ["-ch_layout", "mono"], 2: ["-ch_layout", "stereo"]}.get(audio_channels, [])
    to_yuv = BROWSER_YUV_FILTER
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "warning", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{width}x{height}",
        "-framerate", str(fps), "-i", "pipe:0",
        *layout, "-i", str(audio_path),
        "-map", "0:v:0", "-map", "1:a:0", "-vf", to_yuv,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-profile:v", "high",
        "-pix_fmt", "yuv420p",
        *(["-threads:v", str(threads)] if threads is not None else []),
        "-c:a", "aac", "-b:a", _AUDIO_BITRATE, "-ar", str(out_rate),
        "-movflags", "+faststart", "-map_metadata", "-1",
    ]  # fmt: skip
    for key, value in tags.items():
        command += ["-metadata", f"{key}={value}"]
    command += ["-f", "mp4", str(out)]
    return command


def _without_mp4_output(command: list[str]) -> list[str]:
    """``command`` without its MP4 output (``-f mp4 OUT`` and ``-movflags``), for a tee."""
    kept = command[:-3]
    at = kept.index("-movflags")
    return kept[:at] + kept[at + 2 :]


def _ffmpeg_tail(stderr_file: IO[bytes]) -> str:
    """The last lines of ffmpeg's error output, for the end of the error's English message."""
    stderr_file.seek(0)
    lines = stderr_file.read().decode("utf-8", errors="replace").strip().splitlines()
    return "\n".join(lines[-_STDERR_TAIL_LINES:]) or "(no error output)"
