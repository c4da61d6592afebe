"""Pitch shifts that place the formants on their own (tried for the Mandarin child voice).

``pipelines.audio.shift_pitch`` resamples, so the formants (the resonances that tell one vowel
from another and a small speaker from a big one) move with the pitch: four semitones up makes
every formant 26 % higher, a "chipmunk" voice whose vowels blur. ``shift_pitch_and_formants``
shifts the pitch the same way, then reshapes each short-time spectrum so that its envelope is
the original's scaled by ``formant_factor`` along the frequency axis: a voice can be raised to a
child's pitch while its formants move only as far as a child's smaller vocal tract would move
them. Envelopes are cepstrally smoothed log magnitude spectra; the phase and the harmonics of the
shifted sound are kept, and so is every time in the clip (same frames in and out).
"""

from __future__ import annotations

import math

import numpy as np

from pipelines.audio import shift_pitch

#: STFT frame and hop in samples at 24 kHz (43 ms frames, 10.7 ms hop); scaled with the rate.
_FRAME_24K = 1024
_HOP_24K = 256
#: Highest quefrency kept in the envelope, seconds (1.6 ms: the envelope resolves ~600 Hz and
#: ignores harmonics of voices up to ~600 Hz).
LIFTER_S = 0.0016
#: Largest gain the reshaping applies to a frequency bin, either way (±24 dB).
MAX_GAIN = 16.0
_FLOOR = 1e-7


def log_envelope(magnitude: np.ndarray, lifter: int) -> np.ndarray:
    """Smoothed log spectral envelope of each frame (real cepstrum, low quefrencies kept).

    Args:
        magnitude: (F, T) magnitude spectra, F = frame // 2 + 1.
        lifter: Cepstral coefficients kept on each side of quefrency 0.

    Returns:
        (F, T) natural-log envelope.
    """
    n_fft = 2 * (magnitude.shape[0] - 1)
    cepstrum = np.fft.irfft(np.log(np.maximum(magnitude, _FLOOR)), n=n_fft, axis=0)
    cepstrum[lifter + 1 : n_fft - lifter] = 0.0
    return np.fft.rfft(cepstrum, axis=0).real


def warp_log_envelope(envelope: np.ndarray, factor: float) -> np.ndarray:
    """The envelope moved ``factor`` times up the frequency axis: out(f) = in(f / factor).

    Args:
        envelope: (F, T) log envelope on F bins from 0 to Nyquist.
        factor: > 1 moves every formant up, < 1 down.

    Returns:
        (F, T) log envelope (the last bin's value continues past the top).
    """
    bins = np.arange(envelope.shape[0], dtype=np.float64)
    source = bins / factor
    return np.stack(
        [np.interp(source, bins, envelope[:, t]) for t in range(envelope.shape[1])], axis=1
    )


def shift_pitch_and_formants(
    samples: np.ndarray, sample_rate: int, semitones: float, formant_factor: float
) -> np.ndarray:
    """Shifts the pitch by ``semitones`` and the formants by ``formant_factor``, separately.

    Args:
        samples: (N,) float mono audio.
        sample_rate: Its rate in Hz.
        semitones: Pitch shift in semitones (positive is higher).
        formant_factor: Scale of the spectral envelope along the frequency axis (1.0 keeps
            the formants where they were; 1.1 moves them 10 % up).

    Returns:
        (N,) float32 audio, clipped to [-1, 1], with the RMS level of the plain pitch shift.
    """
    from scipy.signal import istft, stft

    samples = np.asarray(samples, np.float32)
    pitch_factor = 2.0 ** (semitones / 12.0)
    shifted = shift_pitch(samples, semitones)
    if samples.size == 0 or math.isclose(formant_factor, pitch_factor, rel_tol=1e-3):
        return shifted  # resampling already moved the formants by the pitch factor
    frame = max(64, round(_FRAME_24K * sample_rate / 24000))
    hop = max(16, round(_HOP_24K * sample_rate / 24000))
    lifter = max(4, round(LIFTER_S * sample_rate))
    options = {"nperseg": frame, "noverlap": frame - hop, "window": "hann"}
    _, _, original = stft(samples, **options)
    _, _, moved = stft(shifted, **options)
    target = warp_log_envelope(log_envelope(np.abs(original), lifter), formant_factor)
    ratio = target - log_envelope(np.abs(moved), lifter)
    gain = np.exp(np.clip(ratio, -math.log(MAX_GAIN), math.log(MAX_GAIN)))
    _, reshaped = istft(moved * gain, **options)
    out = np.zeros(len(samples), np.float64)
    out[: min(len(out), len(reshaped))] = reshaped[: len(out)]
    level = float(np.sqrt(np.mean(np.square(shifted, dtype=np.float64))))
    rms = float(np.sqrt(np.mean(np.square(out))))
    if rms > 0:
        out *= level / rms
    return np.clip(out, -1.0, 1.0).astype(np.float32)


__all__ = ["shift_pitch_and_formants"]
