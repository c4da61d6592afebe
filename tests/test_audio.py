"""pipelines.audio on real speech: every container the app accepts, resampling, limits, errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile

from pipelines.audio import (
    UNREADABLE_MESSAGE,
    load_audio,
    resample,
    shift_pitch,
    speech_from_audio,
    time_stretch,
    write_wav,
)
from pipelines.config import Limits
from pipelines.errors import BadInputError, LimitExceeded
from pipelines.types import Speech
from tests.media_measures import median_f0

RATE = 22050
LOW_AAC = ("-c:a", "aac", "-b:a", "16k")


def ffmpeg(*args: str) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args]
    subprocess.run(command, check=True, timeout=60)


def envelope(samples: np.ndarray, rate: int, seconds: float = 0.05) -> np.ndarray:
    """RMS per 50 ms frame."""
    size = int(rate * seconds)
    frames = samples[: len(samples) // size * size].reshape(-1, size)
    return np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))


def envelope_correlation(a: np.ndarray, b: np.ndarray, rate: int) -> float:
    ea, eb = envelope(a, rate), envelope(b, rate)
    n = min(len(ea), len(eb))
    return float(np.corrcoef(ea[:n], eb[:n])[0, 1])


@pytest.fixture(scope="module")
def english(data_dir: Path) -> Path:
    return data_dir / "english_speech_16k.wav"


@pytest.fixture(scope="module")
def reference(english: Path) -> np.ndarray:
    """The English clip as stored: (N, 2) float32 at 16 kHz."""
    samples, rate = soundfile.read(str(english), dtype="float32", always_2d=True)
    assert rate == 16000 and samples.shape[1] == 2
    return samples


@pytest.fixture(scope="module")
def loaded(english: Path) -> np.ndarray:
    samples, rate = load_audio(english)
    assert rate == RATE
    return samples


@pytest.fixture(scope="module")
def derived(english: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Encodes of the English clip in other formats and rates, made with ffmpeg."""
    folder = tmp_path_factory.mktemp("audio")
    made: dict[str, Path] = {}
    encodes = {
        "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
        "m4a": ["-c:a", "aac", "-b:a", "64k"],
        "ogg": ["-c:a", "libvorbis"],
        "webm": ["-c:a", "libopus", "-b:a", "32k"],
        "flac": ["-c:a", "flac"],
    }
    for suffix, codec in encodes.items():
        made[suffix] = folder / f"english.{suffix}"
        ffmpeg("-i", str(english), *codec, str(made[suffix]))
    for rate in (8000, 44100, 96000):
        made[f"{rate}"] = folder / f"english_{rate}.wav"
        ffmpeg("-i", str(english), "-ar", str(rate), str(made[f"{rate}"]))
    made["video"] = folder / "talking.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-i", str(english), "-shortest",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(made["video"]),
    )  # fmt: skip
    made["silent_video"] = folder / "silent.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(made["silent_video"]),
    )  # fmt: skip
    made["long_m4a"] = folder / "long.m4a"
    ffmpeg(
        "-stream_loop",
        "14",
        "-i",
        str(english),
        "-ac",
        "1",
        "-ar",
        "8000",
        *LOW_AAC,
        str(made["long_m4a"]),
    )
    return made


def test_stereo_wav_is_averaged_to_mono(english: Path, reference: np.ndarray) -> None:
    samples, rate = load_audio(english, target_rate=16000)
    assert rate == 16000
    assert samples.dtype == np.float32 and samples.ndim == 1
    np.testing.assert_allclose(samples, reference.mean(axis=1), atol=1e-6)


def test_wav_is_resampled_to_the_target_rate(loaded: np.ndarray, reference: np.ndarray) -> None:
    assert len(loaded) == round(len(reference) * RATE / 16000)
    assert np.abs(loaded).max() <= 1.0
    assert envelope_correlation(loaded, resample(reference.mean(axis=1), 16000, RATE), RATE) > 0.99
    # A normally loud clip keeps its level.
    assert np.abs(loaded).max() == pytest.approx(np.abs(reference.mean(axis=1)).max(), rel=0.1)


@pytest.mark.parametrize("kind", ["mp3", "m4a", "ogg", "webm", "flac", "8000", "44100", "96000"])
def test_other_formats_and_rates_decode_to_the_same_speech(
    kind: str, derived: dict[str, Path], loaded: np.ndarray
) -> None:
    samples, rate = load_audio(derived[kind])
    assert rate == RATE and samples.dtype == np.float32
    assert len(samples) / RATE == pytest.approx(8.0, abs=0.08)
    assert envelope_correlation(samples, loaded, RATE) > 0.95


def test_bytes_are_accepted(english: Path, derived: dict[str, Path], loaded: np.ndarray) -> None:
    from_wav, _ = load_audio(english.read_bytes())
    np.testing.assert_array_equal(from_wav, loaded)
    from_m4a, _ = load_audio(derived["m4a"].read_bytes())
    assert envelope_correlation(from_m4a, loaded, RATE) > 0.95


def test_video_file_gives_its_sound_track(derived: dict[str, Path], loaded: np.ndarray) -> None:
    samples, _ = load_audio(derived["video"])
    assert len(samples) / RATE == pytest.approx(8.0, abs=0.15)
    assert envelope_correlation(samples, loaded, RATE) > 0.95


def test_video_without_sound_is_refused(derived: dict[str, Path]) -> None:
    with pytest.raises(BadInputError, match="no sound track"):
        load_audio(derived["silent_video"])


def test_mono_24k_mandarin_clip(data_dir: Path) -> None:
    samples, rate = load_audio(data_dir / "chinese_poem.wav", target_rate=16000)
    assert rate == 16000
    assert len(samples) == pytest.approx(5.472 * 16000, abs=2)


def test_long_wav_is_refused_with_its_length(english: Path, tmp_path: Path) -> None:
    samples, rate = soundfile.read(str(english), dtype="int16")
    long_path = tmp_path / "long.wav"
    soundfile.write(str(long_path), np.tile(samples, (15, 1)), rate)
    with pytest.raises(LimitExceeded, match=r"120\.0 s long; the limit is 60 s"):
        load_audio(long_path)
    # A higher cap accepts it.
    accepted, _ = load_audio(long_path, Limits(max_audio_seconds=130), target_rate=8000)
    assert len(accepted) == 120 * 8000


def test_long_compressed_file_is_refused(derived: dict[str, Path]) -> None:
    # M4A goes through ffmpeg, which stops after the cap + 1 s; the message has the length.
    with pytest.raises(LimitExceeded, match=r"120\.\d s long; the limit is 60 s"):
        load_audio(derived["long_m4a"])
    with pytest.raises(LimitExceeded, match=r"120\.\d s long; the limit is 60 s"):
        load_audio(derived["long_m4a"].read_bytes())


def test_upload_size_limit(english: Path) -> None:
    with pytest.raises(LimitExceeded, match="MiB"):
        load_audio(english, Limits(max_upload_bytes=100_000))
    with pytest.raises(LimitExceeded):
        load_audio(english.read_bytes(), Limits(max_upload_bytes=100_000))


def test_silent_audio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "silent.wav"
    soundfile.write(str(path), np.zeros(16000 * 2, np.int16), 16000)
    with pytest.raises(BadInputError, match="silent"):
        load_audio(path)
    hum = tmp_path / "hum.wav"
    soundfile.write(str(hum), (np.random.default_rng(0).standard_normal(16000) * 2e-5), 16000)
    with pytest.raises(BadInputError, match="silent"):
        load_audio(hum)


def test_very_quiet_speech_is_raised(tmp_path: Path, reference: np.ndarray) -> None:
    path = tmp_path / "quiet.wav"
    soundfile.write(str(path), reference * 0.02, 16000, subtype="FLOAT")
    samples, _ = load_audio(path, target_rate=16000)
    assert np.abs(samples).max() == pytest.approx(0.95, abs=1e-3)
    np.testing.assert_allclose(
        samples / np.abs(samples).max(),
        reference.mean(axis=1) / np.abs(reference.mean(1)).max(),
        atol=1e-4,
    )


@pytest.mark.parametrize("kind", ["random", "text", "header_only", "empty", "half_m4a"])
def test_unreadable_files_are_refused(
    kind: str, english: Path, derived: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / ("broken.m4a" if kind == "half_m4a" else "broken.wav")
    if kind == "random":
        path.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, np.uint8).tobytes())
    elif kind == "text":
        path.write_text("This is not audio at all, just a note someone renamed.\n" * 20)
    elif kind == "header_only":
        path.write_bytes(english.read_bytes()[:40])
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        data = derived["m4a"].read_bytes()
        path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInputError) as caught:
        load_audio(path)
    assert UNREADABLE_MESSAGE in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="not found"):
        load_audio(tmp_path / "nowhere.wav")


def test_resample_keeps_frequency() -> None:
    for from_rate, to_rate in ((96000, 22050), (8000, 22050), (44100, 16000), (44099, 22050)):
        t = np.arange(from_rate) / from_rate
        tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
        out = resample(tone, from_rate, to_rate)
        assert abs(len(out) - to_rate) <= 2
        spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
        assert np.argmax(spectrum) * to_rate / len(out) == pytest.approx(1000, abs=2)


def test_write_wav_round_trip(tmp_path: Path, loaded: np.ndarray) -> None:
    path = write_wav(tmp_path / "out.wav", loaded, RATE)
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (RATE, 1, "PCM_16")
    back, _ = soundfile.read(str(path), dtype="float32")
    np.testing.assert_allclose(back, loaded, atol=1.0 / 32767 + 1e-6)


def test_speech_from_audio(loaded: np.ndarray) -> None:
    speech = speech_from_audio(loaded, RATE)
    assert isinstance(speech, Speech)
    assert speech.phonemes == () and speech.cues == () and speech.text == ""
    assert speech.duration == pytest.approx(8.0, abs=1e-3)
    with_text = speech_from_audio(loaded, RATE, text="  Hello there.  ")
    assert with_text.text == "Hello there."
    assert [(c.text, c.start, c.end) for c in with_text.cues] == [
        ("Hello there.", 0.0, speech.duration)
    ]


def test_shift_pitch_moves_pitch_and_keeps_length(loaded: np.ndarray) -> None:
    base = median_f0(loaded, RATE)
    for semitones in (4.0, -4.0):
        shifted = shift_pitch(loaded, semitones)
        assert len(shifted) == len(loaded) and shifted.dtype == np.float32
        assert median_f0(shifted, RATE) / base == pytest.approx(2 ** (semitones / 12), rel=0.06)
        # Timing stays put: the loudness contour lines up with the original.
        assert envelope_correlation(shifted, loaded, RATE) > 0.9
    np.testing.assert_array_equal(shift_pitch(loaded, 0.0), loaded)


def test_time_stretch_keeps_pitch(loaded: np.ndarray) -> None:
    stretched = time_stretch(loaded, 1.3)
    assert len(stretched) == round(len(loaded) * 1.3)
    assert median_f0(stretched, RATE) == pytest.approx(median_f0(loaded, RATE), rel=0.05)
