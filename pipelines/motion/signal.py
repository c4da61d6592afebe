"""Signals on the motion stage's internal clock: the grid, smoothing, easing and resampling.

Mouth, blink and head curves are built at ``INTERNAL_RATE`` samples per second on a grid that
runs a little before and after each utterance, smoothed without delay, then averaged down to the
video's frame times. These helpers know nothing about phonemes or faces.
"""

from __future__ import annotations

import numpy as np

#: Samples per second of the curves built by the motion stage.
INTERNAL_RATE = 200
#: Time constant in seconds of the critically damped smoothing shared by both mouth paths.
SMOOTHING_S = 0.012
#: Seconds of margin the utterance grids keep before the audio starts and after it ends.
GRID_MARGIN_S = 0.4


def smooth(values: np.ndarray, rate: float, time_constant_s: float = SMOOTHING_S) -> np.ndarray:
    """Zero-phase critically damped smoothing along axis 0 (no delay, no overshoot).

    Args:
        values: (N,) or (N, C) samples.
        rate: Samples per second.
        time_constant_s: Time constant of each of the two first-order stages, in seconds.

    Returns:
        Array of the same shape.
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2 or time_constant_s <= 0:
        return values.copy()
    pole = float(np.exp(-1.0 / (time_constant_s * rate)))
    pad = min(len(values) - 1, int(6 * time_constant_s * rate) + 1)
    return _filtfilt_two_poles((1.0 - pole) ** 2, -2.0 * pole, pole**2, values, pad)


def _filtfilt_two_poles(b0: float, a1: float, a2: float, x: np.ndarray, pad: int) -> np.ndarray:
    """Forward-backward filter b0 / (1 + a1 z^-1 + a2 z^-2) along axis 0, as scipy does it.

    The same sums in the same order as ``scipy.signal.filtfilt(b, a, x, axis=0,
    padtype="constant", padlen=pad)`` (edge values repeated ``pad`` times at each end, each
    pass started from the filter's steady state for its first sample), so the curves are the
    same to the last bit, without importing scipy.signal (~0.5 s of a cold start).

    Args:
        b0: The numerator (one coefficient).
        a1: The denominator's second coefficient (the first is 1).
        a2: Its third.
        x: (N,) or (N, C) float64 samples, N >= 2.
        pad: Samples of padding at each end, 1 <= pad < N.

    Returns:
        Array of x's shape.
    """
    # lfilter_zi: the state that a constant input of 1 leaves the filter in.
    zi = np.linalg.solve(np.array([[1.0 + a1, -1.0], [a2, 1.0]]), np.array([-a1 * b0, -a2 * b0]))
    columns = x.reshape(len(x), -1)
    out = np.empty_like(columns)
    for channel in range(columns.shape[1]):
        values = columns[:, channel].tolist()
        extended = [values[0]] * pad + values + [values[-1]] * pad
        forward = _two_pole_pass(b0, a1, a2, extended, zi)
        backward = _two_pole_pass(b0, a1, a2, forward[::-1], zi)
        out[:, channel] = backward[::-1][pad:-pad]
    return out.reshape(x.shape)


def _two_pole_pass(
    b0: float, a1: float, a2: float, samples: list[float], zi: np.ndarray
) -> list[float]:
    """One pass of the filter (direct form II transposed, as scipy's lfilter runs it)."""
    first = samples[0]
    z0, z1 = float(zi[0]) * first, float(zi[1]) * first
    out = []
    for sample in samples:
        y = z0 + b0 * sample
        z0 = z1 + sample * 0.0 - y * a1
        z1 = sample * 0.0 - y * a2
        out.append(y)
    return out


def utterance_grid(duration_s: float) -> np.ndarray:
    """Sample times (N,) in seconds relative to an utterance's start, with GRID_MARGIN_S margins."""
    count = int(np.ceil((duration_s + 2 * GRID_MARGIN_S) * INTERNAL_RATE)) + 1
    return np.arange(count) / INTERNAL_RATE - GRID_MARGIN_S


def ease(times: np.ndarray, start: float, end: float) -> np.ndarray:
    """(N,) 0 before start, 1 after end, a smoothstep between."""
    x = np.clip((times - start) / (end - start), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def box_resample(
    grid: np.ndarray, values: np.ndarray, times: np.ndarray, width: float
) -> np.ndarray:
    """Mean of ``values`` over a window of ``width`` seconds centred on each time.

    Args:
        grid: (N,) evenly spaced sample times in seconds.
        values: (N, C) samples.
        times: (T,) output times in seconds.
        width: Window length in seconds (one frame period, so short shapes are not aliased).

    Returns:
        (T, C) window means.
    """
    step = float(grid[1] - grid[0])
    integral = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0) * step])
    edges = np.concatenate([grid - step / 2.0, [grid[-1] + step / 2.0]])
    lo = np.clip(times - width / 2.0, edges[0], edges[-1])
    hi = np.clip(times + width / 2.0, edges[0], edges[-1])
    out = np.empty((len(times), values.shape[1]))
    for channel in range(values.shape[1]):
        upper = np.interp(hi, edges, integral[:, channel])
        lower = np.interp(lo, edges, integral[:, channel])
        out[:, channel] = (upper - lower) / np.maximum(hi - lo, 1e-9)
    return out
