"""Audio in and out: decode any common audio (or video) file to mono float samples.

WAV, FLAC, OGG and MP3 are read with soundfile (libsndfile). Anything soundfile cannot read
(M4A/AAC, WebM/Opus, the sound track of a video file) is decoded by the ffmpeg binary that
imageio-ffmpeg ships, run without a shell and with a timeout. Every decoded clip is checked
against the limits, downmixed to mono by averaging its channels and resampled to one rate.
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile

from pipelines.config import Limits
from pipelines.errors import BadInputError, LimitExceeded, StageTimeout
from pipelines.errors.text import ERROR_TEXT
from pipelines.images import mib
from pipelines.types import Cue, Speech

logger = logging.getLogger(__name__)

#: The English sentences of two audio errors (``pipelines.errors.text``).
UNREADABLE_MESSAGE = ERROR_TEXT["audio.unreadable"][0]
SILENT_MESSAGE = ERROR_TEXT["audio.silent"][0]
#: Peak amplitude below which a clip counts as silent.
SILENCE_PEAK = 1e-3
#: RMS amplitude below which a clip counts as silent.
SILENCE_RMS = 1e-4
#: Clips whose peak is below this are raised to NORMALISED_PEAK; louder clips keep their level.
QUIET_PEAK = 0.1
NORMALISED_PEAK = 0.95
#: Seconds the ffmpeg decoder may run before it is stopped.
FFMPEG_TIMEOUT_SECONDS = 60.0
#: Largest up/down factor used by the polyphase resampler; rarer rates are approximated.
MAX_RESAMPLE_FACTOR = 1000
#: Sample rates accepted from a file's header, in Hz; others mean a damaged header.
MIN_SAMPLE_RATE = 1000
MAX_SAMPLE_RATE = 768_000

#: The limits used when none are given.
DEFAULT_LIMITS = Limits()

_DURATION_PATTERN = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")


def load_audio(
    source: str | Path | bytes, limits: Limits = DEFAULT_LIMITS, target_rate: int = 22050
) -> tuple[np.ndarray, int]:
    """Decodes an audio (or video) file to mono float samples.

    Args:
        source: A file path, or the file's bytes.
        limits: Upload size and audio length limits to enforce.
        target_rate: Sample rate of the returned samples, in Hz.

    Returns:
        (samples, target_rate): samples is a (N,) float32 array in [-1, 1]. Clips whose peak is
        below QUIET_PEAK are scaled up to a peak of NORMALISED_PEAK; others keep their level.

    Raises:
        BadInputError: Missing, empty, corrupt or silent audio, or a file with no sound track.
        LimitExceeded: The file is larger than limits.max_upload_bytes, or the audio is longer
            than limits.max_audio_seconds.
        StageTimeout: ffmpeg did not finish decoding in FFMPEG_TIMEOUT_SECONDS.
    """
    if target_rate <= 0:
        raise ValueError(f"target_rate must be positive, got {target_rate}")
    data_or_path = _checked_source(source, limits)
    decoded = _read_with_soundfile(data_or_path, limits)
    if decoded is None:
        samples = _decode_with_ffmpeg(data_or_path, limits, target_rate)
    else:
        multichannel, rate = decoded
        samples = resample(multichannel.mean(axis=1), rate, target_rate)
    return _finish(samples), target_rate


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resamples mono audio with a polyphase filter.

    Args:
        samples: (N,) float samples.
        from_rate: Their sample rate in Hz.
        to_rate: The wanted sample rate in Hz.

    Returns:
        (M,) float32 samples at to_rate, M = ceil(N * to_rate / from_rate) (up to the rational
        approximation used for rates whose ratio needs a factor above MAX_RESAMPLE_FACTOR).
    """
    from scipy.signal import resample_poly  # scipy.signal takes ~0.3 s to import

    samples = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate or samples.size == 0:
        return samples
    ratio = Fraction(to_rate, from_rate)
    if max(ratio.numerator, ratio.denominator) > MAX_RESAMPLE_FACTOR:
        ratio = ratio.limit_denominator(MAX_RESAMPLE_FACTOR)
    resampled = resample_poly(samples, ratio.numerator, ratio.denominator)
    return resampled.astype(np.float32)


def shift_pitch(samples: np.ndarray, semitones: float) -> np.ndarray:
    """Shifts the pitch of mono audio and keeps its length.

    The audio is time-stretched by the pitch factor with WSOLA (which keeps pitch), then
    resampled by the inverse factor (which moves pitch and formants together and restores
    the length). Timings inside the clip stay where they were, to within a few milliseconds.

    Args:
        samples: (N,) float samples.
        semitones: Shift in semitones; positive is higher.

    Returns:
        (N,) float32 samples, clipped to [-1, 1].
    """
    samples = np.asarray(samples, dtype=np.float32)
    if semitones == 0 or samples.size == 0:
        return samples
    factor = 2.0 ** (semitones / 12.0)
    stretched = time_stretch(samples, factor)
    ratio = Fraction(1.0 / factor).limit_denominator(MAX_RESAMPLE_FACTOR // 5)
    shifted = resample(stretched, ratio.denominator, ratio.numerator)
    fitted = np.zeros(len(samples), np.float32)
    fitted[: min(len(samples), len(shifted))] = shifted[: len(samples)]
    return np.clip(fitted, -1.0, 1.0)


def time_stretch(samples: np.ndarray, factor: float, frame: int = 512) -> np.ndarray:
    """Makes mono audio factor times longer without changing its pitch (WSOLA).

    Frames of ``frame`` samples are overlap-added at half-frame steps; each frame is taken
    from near its nominal input position, at the offset (up to a quarter frame either way)
    whose waveform best continues the previous frame, so periods line up and pitch is kept.

    Args:
        samples: (N,) float samples.
        factor: Output length over input length (> 1 is slower).
        frame: Frame length in samples (512 is 23 ms at 22.05 kHz).

    Returns:
        (round(N * factor),) float32 samples.
    """
    from scipy.signal import correlate
    from scipy.signal.windows import hann

    hop_out = frame // 2
    tolerance = frame // 4
    hop_in = hop_out / factor
    n_out = round(len(samples) * factor)
    n_frames = math.ceil(n_out / hop_out) + 1
    padded = np.pad(np.asarray(samples, np.float64), (tolerance, 2 * frame + 2 * tolerance))
    padded = np.pad(padded, (0, max(0, round(n_frames * hop_in) + 2 * frame - len(padded))))
    window = hann(frame, sym=False)
    out = np.zeros(n_frames * hop_out + frame)
    weight = np.zeros_like(out)
    previous = tolerance
    for index in range(n_frames):
        nominal = tolerance + round(index * hop_in)
        start = nominal
        if index > 0:
            continuation = padded[previous + hop_out : previous + hop_out + frame]
            region = padded[nominal - tolerance : nominal + tolerance + frame]
            similarity = correlate(region, continuation, mode="valid", method="fft")
            start = nominal - tolerance + int(np.argmax(similarity))
        placed = slice(index * hop_out, index * hop_out + frame)
        out[placed] += window * padded[start : start + frame]
        weight[placed] += window
        previous = start
    out = np.where(weight > 1e-3, out / np.maximum(weight, 1e-3), 0.0)
    return out[:n_out].astype(np.float32)


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> Path:
    """Writes mono audio as a 16-bit PCM WAV file.

    Args:
        path: Where to write.
        audio: (N,) float samples in [-1, 1]; values outside are clipped.
        sample_rate: Samples per second.

    Returns:
        The path written.

    Raises:
        OSError: The file cannot be written (a full disk, no permission), with its errno.
    """
    path = Path(path)
    clipped = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    path.write_bytes(wav_bytes(clipped, int(sample_rate), "PCM_16"))
    return path


def wav_bytes(samples: np.ndarray, sample_rate: int, subtype: str) -> bytes:
    """A whole WAV file in memory: 16-bit PCM ("PCM_16") or 32-bit float ("FLOAT").

    Written by numpy and ``struct`` rather than through libsndfile's virtual I/O, whose
    Python callbacks a signal (Ctrl-C) can interrupt halfway; the caller writes the bytes with
    Python, so a failed write raises ``OSError`` with the reason ("No space left on device"),
    where libsndfile only says "System error".

    Args:
        samples: (N,) or (N, C) float samples in [-1, 1] (values outside are clipped for
            PCM_16).
        sample_rate: Samples per second.
        subtype: "PCM_16" or "FLOAT".

    Raises:
        ValueError: Another subtype.
    """
    frames = np.asarray(samples, dtype=np.float32)
    frames = frames[:, None] if frames.ndim == 1 else frames
    n_frames, channels = frames.shape
    if subtype == "PCM_16":
        # As libsndfile converts: x * 32768, rounded down, kept within 16 bits.
        scaled = np.floor(np.clip(frames, -1.0, 1.0) * np.float32(32768.0))
        payload = np.clip(scaled, -32768, 32767).astype("<i2").tobytes()
        tag, bits, extra = 1, 16, b""
    elif subtype == "FLOAT":
        payload = frames.astype("<f4").tobytes()
        tag, bits, extra = 3, 32, b"fact" + struct.pack("<II", 4, n_frames)
    else:
        raise ValueError(f"Unsupported WAV subtype {subtype!r}; use PCM_16 or FLOAT.")
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, sample_rate, sample_rate * block, block, bits)
    chunks = (
        b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra
        + b"data" + struct.pack("<I", len(payload)) + payload
    )  # fmt: skip
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def speech_from_audio(audio: np.ndarray, sample_rate: int, text: str = "") -> Speech:
    """Wraps user audio as a Speech with no phonemes (mouth timing then comes from the audio).

    Args:
        audio: (N,) float samples in [-1, 1].
        sample_rate: Samples per second.
        text: What is said, when known; it becomes one cue spanning the whole clip.

    Returns:
        The Speech; cues are empty when text is empty.
    """
    samples = np.ascontiguousarray(np.asarray(audio, dtype=np.float32).reshape(-1))
    duration = len(samples) / float(sample_rate)
    spoken = text.strip()
    cues = (Cue(spoken, 0.0, duration),) if spoken else ()
    return Speech(audio=samples, sample_rate=int(sample_rate), cues=cues, text=spoken)


def _checked_source(source: str | Path | bytes, limits: Limits) -> bytes | Path:
    """The file's bytes or path, after the upload-size check."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        size = len(data)
    else:
        data = Path(source)
        if not data.is_file():
            raise BadInputError("audio.not_found", path=str(data))
        size = data.stat().st_size
    if size == 0:
        raise BadInputError("audio.empty")
    if size > limits.max_upload_bytes:
        raise LimitExceeded(
            "audio.file_too_big", mib=mib(size), most_mib=limits.max_upload_bytes / 2**20
        )
    return data


def _too_long(seconds: float | None, limits: Limits) -> LimitExceeded:
    cap = limits.max_audio_seconds
    if seconds is None:
        return LimitExceeded("audio.too_long_unknown", over=cap + 1, most=cap)
    return LimitExceeded("audio.too_long", seconds=seconds, most=cap)


def _read_with_soundfile(
    data_or_path: bytes | Path, limits: Limits
) -> tuple[np.ndarray, int] | None:
    """(frames, channels) float32 samples and their rate, or None when libsndfile can't read it."""
    try:
        with soundfile.SoundFile(_soundfile_source(data_or_path)) as sound:
            rate = int(sound.samplerate)
            if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
                # A damaged header (found by benchmarks/fuzz.py: 1.9 GHz made resampling fail).
                raise BadInputError("audio.unreadable")
            if sound.frames > 0 and sound.frames / rate > limits.max_audio_seconds:
                raise _too_long(sound.frames / rate, limits)
            samples = sound.read(dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as error:
        logger.debug("soundfile cannot read the audio (%s); trying ffmpeg", error)
        return None
    if samples.shape[0] / rate > limits.max_audio_seconds:
        raise _too_long(samples.shape[0] / rate, limits)
    return samples, rate


def _soundfile_source(data_or_path: bytes | Path) -> io.BytesIO | str:
    if isinstance(data_or_path, bytes):
        return io.BytesIO(data_or_path)
    return str(data_or_path)


def _decode_with_ffmpeg(data_or_path: bytes | Path, limits: Limits, target_rate: int) -> np.ndarray:
    """(N,) float32 mono samples at target_rate decoded by ffmpeg, at most the cap + 1 s."""
    if isinstance(data_or_path, bytes):
        # Containers such as MP4 keep their index at the end, so ffmpeg needs a seekable file.
        with tempfile.TemporaryDirectory(prefix="talking-photo-audio-") as folder:
            path = Path(folder) / "upload"
            path.write_bytes(data_or_path)
            return _run_ffmpeg(path, limits, target_rate)
    return _run_ffmpeg(data_or_path, limits, target_rate)


def _run_ffmpeg(path: Path, limits: Limits, target_rate: int) -> np.ndarray:
    import imageio_ffmpeg

    read_seconds = limits.max_audio_seconds + 1.0
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        # Local files only: a playlist or concat file must not make ffmpeg open URLs.
        "-protocol_whitelist",
        "file",
        "-i",
        f"file:{path.resolve()}",
        "-vn",
        "-sn",
        "-dn",
        "-t",
        f"{read_seconds:.3f}",
        "-ac",
        "1",
        "-ar",
        str(target_rate),
        "-f",
        "f32le",
        "pipe:1",
    ]
    try:
        completed = subprocess.run(
            command, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise StageTimeout("audio.decode_timeout", seconds=FFMPEG_TIMEOUT_SECONDS) from error
    log = completed.stderr.decode("utf-8", errors="replace")
    if completed.returncode != 0:
        # The file name and ffmpeg's output (which names the file) stay out of INFO logs.
        logger.info("ffmpeg could not decode the audio (exit code %d)", completed.returncode)
        logger.debug("ffmpeg output: %s", log.strip()[-300:])
        if "does not contain any stream" in log or "matches no streams" in log:
            raise BadInputError("audio.no_sound_track")
        raise BadInputError("audio.unreadable")
    samples = np.frombuffer(completed.stdout, dtype="<f4").astype(np.float32)
    if len(samples) / target_rate > limits.max_audio_seconds:
        raise _too_long(_declared_duration(log), limits)
    return samples


def _declared_duration(ffmpeg_log: str) -> float | None:
    """The input duration in seconds that ffmpeg printed, if it printed one."""
    match = _DURATION_PATTERN.search(ffmpeg_log)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _finish(samples: np.ndarray) -> np.ndarray:
    """Checks decoded mono samples and brings very quiet clips up to a normal level."""
    if samples.size == 0:
        raise BadInputError("audio.no_samples")
    if not np.all(np.isfinite(samples)):
        raise BadInputError("audio.unreadable")
    samples = np.clip(samples, -1.0, 1.0).astype(np.float32)
    peak = float(np.max(np.abs(samples)))
    rms = math.sqrt(float(np.mean(np.square(samples, dtype=np.float64))))
    if peak < SILENCE_PEAK or rms < SILENCE_RMS:
        raise BadInputError("audio.silent")
    if peak < QUIET_PEAK:
        logger.info(
            "Very quiet audio (peak %.4f); normalising its peak to %.2f", peak, NORMALISED_PEAK
        )
        samples = samples * np.float32(NORMALISED_PEAK / peak)
    return np.ascontiguousarray(samples)
