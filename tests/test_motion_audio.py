"""Mouth motion from audio alone: speech-band level, openness, and events of a real clip."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.motion.from_audio import audio_mouth, openness, speech_band_levels
from pipelines.motion.signal import INTERNAL_RATE, utterance_grid

RATE = 16000


def tone_burst(frequency: float, start: float, end: float, total: float = 2.0) -> np.ndarray:
    t = np.arange(int(total * RATE)) / RATE
    burst = 0.5 * np.sin(2 * np.pi * frequency * t) * ((t >= start) & (t < end))
    return burst.astype(np.float32) + np.random.default_rng(0).normal(0, 1e-4, len(t)).astype(
        np.float32
    )


@pytest.fixture(scope="module")
def recording(data_dir) -> np.ndarray:
    import soundfile

    samples, rate = soundfile.read(data_dir / "english_speech_16k.wav", dtype="float32")
    assert rate == RATE
    return samples.mean(axis=1) if samples.ndim == 2 else samples


def test_levels_are_centred_on_their_times() -> None:
    level, centroid = speech_band_levels(tone_burst(1000.0, 1.0, 1.5), RATE)
    assert len(level) == 2 * INTERNAL_RATE + 1
    times = np.arange(len(level)) / INTERNAL_RATE
    loud = level > level.max() - 6
    assert times[loud].min() == pytest.approx(1.0, abs=0.02)
    assert times[loud].max() == pytest.approx(1.5, abs=0.02)
    assert np.median(centroid[loud]) == pytest.approx(1000.0, rel=0.1)


def test_out_of_band_sound_does_not_count() -> None:
    level_in, _ = speech_band_levels(tone_burst(1000.0, 0.5, 1.5), RATE)
    level_out, _ = speech_band_levels(tone_burst(6000.0, 0.5, 1.5), RATE)
    assert level_in.max() - level_out.max() > 30


def test_openness_ignores_the_recording_level(recording) -> None:
    level, _ = speech_band_levels(recording, RATE)
    quiet, _ = speech_band_levels(recording * 0.01, RATE)
    assert np.abs(openness(level) - openness(quiet)).max() < 0.02
    value = openness(level)
    assert value.min() == 0.0 and value.max() == 1.0
    assert 0.2 < (value == 0).mean() < 0.5  # pauses and closures, not the whole clip


def test_openness_of_constant_level_is_closed() -> None:
    assert not openness(np.full(100, -20.0)).any()
    assert openness(np.zeros(0)).shape == (0,)


def test_events_of_the_real_clip(recording) -> None:
    curves, events = audio_mouth(recording, RATE, lead_s=0.06)
    duration = len(recording) / RATE
    assert curves.shape == (len(utterance_grid(duration)), 5)
    # Find the clip's silences independently: 50 ms RMS more than 30 dB below its loud part.
    hop = RATE // 20
    rms = np.array(
        [np.sqrt(np.mean(recording[i : i + hop] ** 2)) for i in range(0, len(recording), hop)]
    )
    db = 20 * np.log10(rms + 1e-9)
    silent = db < np.percentile(db, 95) - 30
    # Keep silences of at least three windows (150 ms): shorter ones are stop closures.
    starts_of_three = silent[:-2] & silent[1:-1] & silent[2:]
    lasting = np.zeros_like(silent)
    for start in np.flatnonzero(starts_of_three):
        lasting[start : start + 3] = True
    silent_times = np.flatnonzero(lasting) * 0.05 + 0.025
    assert len(silent_times) >= 4
    inner = [p for p in events.pauses if p[0] > 0.0 and p[1] < duration - 0.05]
    assert len(inner) >= 2
    for t in silent_times:  # every silence is inside a detected pause
        assert any(a - 0.05 <= t <= b + 0.05 for a, b in events.pauses), t
    assert len(events.spans) == len(inner) + 1
    assert 0.8 <= len(events.accents) / duration <= 4  # syllable-ish peaks, not every wiggle
