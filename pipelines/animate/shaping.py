"""Small shared shaping functions of the warp (smooth steps and ramps), on numpy arrays."""

from __future__ import annotations

import numpy as np


def smoothstep(edge0: float | np.ndarray, edge1: float | np.ndarray, x: np.ndarray) -> np.ndarray:
    """0 at edge0, 1 at edge1, smooth between (edge0 may exceed edge1 for a falling step)."""
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def soft_ramp(t: np.ndarray, knee: float = 0.12) -> np.ndarray:
    """clip(t, 0, 1) with rounded knees; C1 and its slope never exceeds 1."""
    low = (t + knee) ** 2 / (4.0 * knee)
    high = 1.0 - (1.0 + knee - t) ** 2 / (4.0 * knee)
    out = np.clip(t, 0.0, 1.0)
    out = np.where(np.abs(t) < knee, low, out)
    return np.where(np.abs(t - 1.0) < knee, high, out)
