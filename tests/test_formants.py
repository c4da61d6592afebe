"""benchmarks.formants (tried for the Mandarin child voice): pitch and formants shifted
separately, on a synthetic vowel."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from benchmarks.formants import shift_pitch_and_formants
from pipelines.audio import resample, shift_pitch
from tests.media_measures import median_f0

RATE = 24000
#: The vowel's pitch and its two formants, Hz.
F0, F1, F2 = 110.0, 800.0, 1900.0  # a low voice: harmonics dense enough to fit


def vowel(seconds: float = 1.5) -> np.ndarray:
    """A pulse train at F0 through two resonators at F1 and F2, peak 0.5."""
    pulses = np.zeros(round(seconds * RATE))
    pulses[:: round(RATE / F0)] = 1.0
    out = pulses
    for frequency, bandwidth in ((F1, 80.0), (F2, 120.0)):
        radius = np.exp(-np.pi * bandwidth / RATE)
        angle = 2 * np.pi * frequency / RATE
        out = lfilter([1.0], [1.0, -2 * radius * np.cos(angle), radius**2], out)
    return (0.5 * out / np.max(np.abs(out))).astype(np.float32)


def first_formant(samples: np.ndarray) -> float:
    """Lowest formant above 300 Hz (Hz): roots of a 10-pole LPC fit of the clip at 8 kHz."""
    low = resample(samples, RATE, 8000).astype(np.float64)
    low = np.append(low[0], low[1:] - 0.9 * low[:-1]) * np.hamming(len(low))  # pre-emphasis
    correlation = np.correlate(low, low, "full")[len(low) - 1 : len(low) + 11]
    coefficients = solve_toeplitz(correlation[:10], -correlation[1:11])
    roots = np.roots(np.concatenate([[1.0], coefficients]))
    frequencies = np.angle(roots[np.imag(roots) > 0]) * 8000 / (2 * np.pi)
    return float(np.min(frequencies[frequencies > 300]))


def test_a_pitch_shift_can_keep_the_formants_where_they_were() -> None:
    source = vowel()
    plain = shift_pitch(source, 4.0)
    kept = shift_pitch_and_formants(source, RATE, 4.0, 1.0)
    assert len(kept) == len(source)
    assert median_f0(kept, RATE) == pytest.approx(F0 * 2 ** (4 / 12), rel=0.05)
    assert first_formant(source) == pytest.approx(F1, rel=0.08)
    assert first_formant(plain) == pytest.approx(F1 * 2 ** (4 / 12), rel=0.08)  # moved x1.26
    assert first_formant(kept) == pytest.approx(F1, rel=0.08)


def test_the_formants_move_by_their_own_factor() -> None:
    source = vowel()
    moved = shift_pitch_and_formants(source, RATE, 4.0, 1.12)
    assert median_f0(moved, RATE) == pytest.approx(F0 * 2 ** (4 / 12), rel=0.05)
    assert first_formant(moved) == pytest.approx(F1 * 1.12, rel=0.05)
    rms = np.sqrt(np.mean(np.square(moved)))
    assert rms == pytest.approx(np.sqrt(np.mean(np.square(shift_pitch(source, 4.0)))), rel=0.01)


def test_formants_moving_with_the_pitch_is_the_plain_shift() -> None:
    source = vowel(0.5)
    same = shift_pitch_and_formants(source, RATE, 3.0, 2 ** (3 / 12))
    np.testing.assert_array_equal(same, shift_pitch(source, 3.0))
