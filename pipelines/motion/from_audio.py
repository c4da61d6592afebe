"""Mouth motion from audio alone, for speech without phonemes (the user's own recording).

The jaw follows the energy of the speech band (300-3000 Hz, where vowels are loud and
silence and hiss are not) measured every 5 ms, in decibels normalised by the clip's own
percentiles, so a quiet and a loud recording move the mouth alike; frames near the clip's
noise floor count as silence and close the mouth. The spectral centroid tilts the lips a
little towards wide (bright sounds: i, e, s) or round (dark sounds: o, u). The curves then go
through the same smoothing and anticipatory lead as the phoneme path.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from pipelines.motion.expression import SpeechEvents
from pipelines.motion.signal import INTERNAL_RATE, smooth, utterance_grid
from pipelines.motion.visemes import REST_SHAPE

logger = logging.getLogger(__name__)

#: Band whose energy drives the jaw, in Hz.
SPEECH_BAND_HZ = (300.0, 3000.0)
#: Band over which the spectral centroid (lip shape) is measured, in Hz.
SHAPE_BAND_HZ = (200.0, 5000.0)
#: Analysis window in seconds (hop is 1 / INTERNAL_RATE).
WINDOW_S = 0.03
#: Decibels below the loud reference (97th percentile) that map from open to closed.
OPEN_SPAN_DB = 30.0
#: Jaw opening of the loudest speech.
MAX_JAW = 0.6
#: Openness below which a sample counts as silence (for pauses, phrases and breathing).
SILENCE_OPENNESS = 0.06
#: Silences at least this long are pauses (mouth closed, blinks drawn to them).
PAUSE_S = 0.15


def speech_band_levels(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Speech-band level and spectral centroid every 1 / INTERNAL_RATE seconds.

    Args:
        audio: (N,) mono samples in [-1, 1].
        sample_rate: Samples per second.

    Returns:
        (level_db, centroid_hz), each (K,) with K = floor(N / sample_rate * INTERNAL_RATE) + 1;
        sample k is centred at k / INTERNAL_RATE seconds (Hann window of WINDOW_S).
    """
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    width = max(8, round(WINDOW_S * sample_rate))
    count = int(np.floor(len(samples) / sample_rate * INTERNAL_RATE)) + 1
    padded = np.pad(samples, (width // 2, width))
    windows = sliding_window_view(padded, width)
    starts = np.round(np.arange(count) * sample_rate / INTERNAL_RATE).astype(np.int64)
    starts = np.minimum(starts, len(windows) - 1)
    taper = np.hanning(width).astype(np.float32)
    freqs = np.fft.rfftfreq(width, 1.0 / sample_rate)
    band = (freqs >= SPEECH_BAND_HZ[0]) & (freqs <= SPEECH_BAND_HZ[1])
    shape_band = (freqs >= SHAPE_BAND_HZ[0]) & (freqs <= SHAPE_BAND_HZ[1])
    level = np.empty(count)
    centroid = np.empty(count)
    for lo in range(0, count, 2048):
        chunk = windows[starts[lo : lo + 2048]] * taper
        power = np.abs(np.fft.rfft(chunk, axis=1)) ** 2
        level[lo : lo + 2048] = 10.0 * np.log10(power[:, band].sum(axis=1) / width + 1e-12)
        shape_power = power[:, shape_band]
        weight = shape_power.sum(axis=1) + 1e-20
        centroid[lo : lo + 2048] = (shape_power @ freqs[shape_band]) / weight
    return level, centroid


def openness(level_db: np.ndarray) -> np.ndarray:
    """(K,) mouth openness 0..1 from speech-band levels, normalised by the clip's percentiles.

    The loud reference is the 97th percentile and the noise floor the 5th; openness rises
    linearly over the OPEN_SPAN_DB below the reference, and anything within a few dB of the
    floor (a quarter of the clip's range, 4-12 dB) is silence.
    """
    if len(level_db) == 0:
        return np.zeros(0)
    floor = float(np.percentile(level_db, 5))
    loud = float(np.percentile(level_db, 97))
    spread = loud - floor
    gate = floor + float(np.clip(0.25 * spread, 4.0, 12.0))
    bottom = max(loud - OPEN_SPAN_DB, gate)
    if loud <= bottom:
        return np.zeros(len(level_db))
    value = np.clip((level_db - bottom) / (loud - bottom), 0.0, 1.0)
    value[level_db < gate] = 0.0
    return value


def _lip_shape(open_amount: np.ndarray, centroid_hz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lip_round, lip_wide), each (K,), from the centroid relative to the voiced median.

    Brighter than the clip's median voiced sound spreads the lips (up to 0.3), darker rounds
    them (up to 0.3); both fade with the openness so silence keeps a neutral mouth.
    """
    voiced = open_amount > 0.2
    if voiced.sum() < 10:
        return np.zeros(len(open_amount)), np.zeros(len(open_amount))
    log_centroid = np.log2(np.maximum(centroid_hz, 1.0))
    low, middle, high = np.percentile(log_centroid[voiced], [10, 50, 90])
    above = (log_centroid - middle) / max(high - middle, 1e-6)
    below = (log_centroid - middle) / max(middle - low, 1e-6)
    brightness = np.clip(np.where(log_centroid >= middle, above, below), -1.0, 1.0)
    presence = np.clip(2.0 * open_amount, 0.0, 1.0)
    lip_wide = 0.3 * brightness * presence
    lip_round = 0.3 * np.clip(-brightness, 0.0, 1.0) * presence
    return lip_round, lip_wide


def audio_mouth(
    audio: np.ndarray, sample_rate: int, *, lead_s: float
) -> tuple[np.ndarray, SpeechEvents]:
    """Mouth curves and speech events of one utterance from its audio.

    Args:
        audio: (N,) mono samples in [-1, 1].
        sample_rate: Samples per second.
        lead_s: How much earlier than the sound the mouth moves, in seconds.

    Returns:
        (curves, events): curves is (M, 5) in pipelines.motion.visemes.CHANNELS order on
        ``utterance_grid(duration)``; events are in seconds of the audio.
    """
    duration = len(audio) / float(sample_rate)
    level, centroid = speech_band_levels(audio, sample_rate)
    open_amount = openness(level)
    lip_round, lip_wide = _lip_shape(open_amount, centroid)
    press = REST_SHAPE[3] * (1.0 - np.clip(4.0 * open_amount, 0.0, 1.0))
    jaw = MAX_JAW * open_amount**1.2
    channels = np.stack([jaw, lip_round, lip_wide, press, np.zeros_like(jaw)], axis=1)

    audio_times = np.arange(len(level)) / INTERNAL_RATE
    grid = utterance_grid(duration)
    curves = np.empty((len(grid), 5))
    for channel in range(5):
        curves[:, channel] = np.interp(
            grid + lead_s,
            audio_times,
            channels[:, channel],
            left=REST_SHAPE[channel],
            right=REST_SHAPE[channel],
        )
    return smooth(curves, INTERNAL_RATE), _events(open_amount)


def _events(open_amount: np.ndarray) -> SpeechEvents:
    """Phrases, pauses and accents (openness peaks) from the openness track."""
    rate = float(INTERNAL_RATE)
    speaking = smooth(open_amount, rate, 0.02) > SILENCE_OPENNESS
    edges = np.flatnonzero(np.diff(np.concatenate([[0], speaking.astype(np.int8), [0]])))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    spans: list[list[float]] = []
    pauses: list[tuple[float, float]] = []
    previous_end = 0
    for start, end in runs:
        silence = (start - previous_end) / rate
        if spans and silence < PAUSE_S:
            spans[-1][1] = end / rate
        else:
            if silence >= PAUSE_S:
                pauses.append((previous_end / rate, start / rate))
            spans.append([start / rate, end / rate])
        previous_end = end
    if len(open_amount) - previous_end >= PAUSE_S * rate:
        pauses.append((previous_end / rate, len(open_amount) / rate))
    from scipy.signal import find_peaks  # only for a recording: scipy.signal is slow to import

    peaks, props = find_peaks(
        smooth(open_amount, rate, 0.03), prominence=0.2, distance=int(0.25 * rate)
    )
    accents: tuple[tuple[float, float], ...] = ()
    if len(peaks):
        prominence = props["prominences"]
        strength = np.clip(prominence / max(float(np.percentile(prominence, 75)), 1e-6), 0, 1)
        accents = tuple((float(p) / rate, float(s)) for p, s in zip(peaks, strength, strict=True))
    return SpeechEvents(tuple((a, b) for a, b in spans), tuple(pauses), accents)
