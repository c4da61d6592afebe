"""What the tests measure in the videos and sounds the pipeline writes.

``decode`` reads an MP4 back with PyAV (a test-only dependency), ``stream_facts`` only its
stream headers (codecs, rate, durations, comment; no frames are decoded), ``psnr`` compares two
images, ``median_f0`` estimates the pitch of speech, ``log_spectral_distance`` compares two
recordings' spectra and ``srt_cue_times`` reads the times of an SRT.
Shared by the video, pipeline, conversation, captions, app, CLI, audio and speech tests.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


@dataclass
class Decoded:
    """What PyAV reads back from an MP4."""

    video_codec: str
    profile: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    video_duration: float  # seconds
    audio_codec: str
    audio_rate: int
    audio_duration: float  # seconds
    metadata: dict[str, str]
    colour_tags: tuple[int, int, int, int]  # colorspace, primaries, transfer, range
    frames: list[np.ndarray]  # (H, W, 3) uint8 RGB each
    audio: np.ndarray  # (N,) float32, channels averaged


def decode(path: Path) -> Decoded:
    """Every video frame (RGB), the audio and the stream facts of an MP4."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        info = {
            "video_codec": video.codec_context.name,
            "profile": video.codec_context.profile,
            "pix_fmt": video.codec_context.pix_fmt,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "fps": float(video.average_rate),
            "video_duration": float(video.duration * video.time_base),
            "audio_codec": audio.codec_context.name,
            "audio_rate": audio.codec_context.sample_rate,
            "audio_duration": float(audio.duration * audio.time_base),
            "metadata": dict(container.metadata),
        }
        decoded = list(container.decode(video=0))
        first = decoded[0]
        info["colour_tags"] = (
            int(first.colorspace),
            int(first.color_primaries),
            int(first.color_trc),
            int(first.color_range),
        )
        frames = [frame.to_ndarray(format="rgb24") for frame in decoded]
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray().mean(axis=0) for frame in container.decode(audio=0)]
    return Decoded(**info, frames=frames, audio=np.concatenate(chunks).astype(np.float32))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two 8-bit images (or pixel selections) of the same shape; inf if equal."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def median_f0(samples: np.ndarray, rate: int) -> float:
    """Median fundamental (Hz) over loud voiced 40 ms frames (autocorrelation peak, 60-400 Hz).

    Args:
        samples: (N,) mono speech.
        rate: Its sample rate in Hz.
    """
    frame = int(0.04 * rate)
    loudness = np.sqrt(np.mean(samples.astype(np.float64) ** 2))
    estimates = []
    for start in range(0, len(samples) - frame, frame // 2):
        x = samples[start : start + frame].astype(np.float64)
        x -= x.mean()
        if np.sqrt(np.mean(x**2)) < loudness:
            continue
        ac = np.correlate(x, x, "full")[frame - 1 :]
        low, high = int(rate / 400), int(rate / 60)
        lag = low + int(np.argmax(ac[low:high]))
        if ac[lag] > 0.5 * ac[0]:
            estimates.append(rate / lag)
    assert len(estimates) > 10, "too few voiced frames to estimate pitch"
    return float(np.median(estimates))


_SRT_TIME = re.compile(r"(\d+):(\d\d):(\d\d),(\d{3}) --> (\d+):(\d\d):(\d\d),(\d{3})")


def log_spectral_distance(reference: np.ndarray, other: np.ndarray, rate: int) -> float:
    """Root-mean-square difference in dB of two recordings' band energies.

    The energies are those of 80 log-spaced bands from 60 Hz to 11 kHz (capped below half
    the rate) in 1024-sample Hann frames every 10 ms; the frames within 50 dB of the
    reference's loudest count, over the frames both recordings have.

    Args:
        reference: (N,) audio.
        other: (M,) audio at the same rate.
        rate: Their sample rate, Hz.

    Returns:
        The distance in dB (0 for identical audio).
    """
    first, second = (_band_energies(audio, rate) for audio in (reference, other))
    frames = min(len(first), len(second))
    first, second = first[:frames], second[:frames]
    loud = first.max(axis=1) > first.max() - 50.0
    return float(np.sqrt(np.mean((first[loud] - second[loud]) ** 2)))


def _band_energies(audio: np.ndarray, rate: int, size: int = 1024) -> np.ndarray:
    """(frames, 80) energies in dB of 80 log-spaced bands (``log_spectral_distance``)."""
    window = np.hanning(size)
    hop = rate // 100
    starts = range(0, max(len(audio) - size, 0) + 1, hop)
    frames = np.array([audio[start : start + size] * window for start in starts])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    frequencies = np.fft.rfftfreq(size, 1.0 / rate)
    edges = np.geomspace(60.0, min(11000.0, 0.46 * rate), 81)
    energies = [
        power[:, (frequencies >= low) & (frequencies < high)].sum(axis=1)
        for low, high in itertools.pairwise(edges)
    ]
    return 10.0 * np.log10(np.stack(energies, axis=1) + 1e-10)


def srt_cue_times(srt: str) -> list[tuple[float, float]]:
    """(start, end) in seconds of every cue of an SRT document, in order."""
    times = []
    for match in _SRT_TIME.finditer(srt):
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(part) for part in match.groups())
        times.append((h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000))
    return times


def srt_cue_texts(path: Path, joiner: str = " ") -> list[str]:
    """The text of every cue of an SRT file, in order (cue numbers and times dropped; a cue's
    lines joined with ``joiner``: a space for English, "" for Chinese)."""
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    return [joiner.join(block.splitlines()[2:]) for block in blocks if block.strip()]


def stream_facts(path: str | Path) -> dict[str, float | str]:
    """Codecs, frame rate (fps), video and audio durations (s) and the comment tag of an MP4."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        return {
            "video_codec": video.codec_context.name,
            "audio_codec": audio.codec_context.name,
            "fps": float(video.average_rate),
            "video_seconds": float(video.duration * video.time_base),
            "audio_seconds": float(audio.duration * audio.time_base),
            "comment": container.metadata.get("comment", ""),
        }
