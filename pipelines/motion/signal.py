"""Signals on the motion stage's internal clock: the grid, smoothing, easing and resampling.

Mouth, blink and head curves are built at ``INTERNAL_RATE`` samples per second on a grid that
runs a little before and after each utterance, smoothed without delay, then averaged down to the
video's frame times. These helpers know nothing about phonemes or faces.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import filtfilt

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
    b = [(1.0 - pole) ** 2]
    a = [1.0, -2.0 * pole, pole**2]
    pad = min(len(values) - 1, int(6 * time_constant_s * rate) + 1)
    return filtfilt(b, a, values, axis=0, padtype="constant" if pad else None, padlen=pad)


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
