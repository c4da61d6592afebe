"""How tall each eye's lash line is, and how dark, measured from the photo.

A blink moves the lash line down rigidly and stretches only the bare lid skin above it
(``pipelines.animate.basis``); stretching lashes would smear them into streaks. Lashes are darker
than the lid skin above them, so walking up from the lid's edge, the lash line ends where the
photo gets back to the lid skin's brightness. The darkest pixels along the lid's margin give
the colour of the line where the lids meet when the eye is closed.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from pipelines.animate.rig import Curve, EyeRig, FaceRig

#: Bounds of the lash line's height, in inter-ocular distances.
MIN_LASHES, MAX_LASHES = 0.025, 0.07
#: Columns measured across each eye.
N_COLUMNS = 9
#: Share of the margin's pixels, darkest first, whose mean colour is the margin colour.
MARGIN_DARKEST = 0.25


def with_measured_lashes(rig: FaceRig, pixels: np.ndarray) -> FaceRig:
    """The rig with each eye's lash-line height measured from the photo.

    Args:
        rig: The face.
        pixels: (H, W, 3) uint8 RGB photo the rig was measured on.

    Returns:
        A copy of the rig whose eyes carry ``lashes`` curves and ``margin_color``.
    """
    grey = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY).astype(np.float32)
    scale = rig.scale
    step = 0.5
    heights = np.arange(0.0, 0.2 * scale, step)
    eyes = []
    for eye in rig.eyes:
        columns = np.linspace(eye.u_min, eye.u_max, N_COLUMNS + 2)[1:-1]
        tops = np.empty_like(columns)
        for k, u in enumerate(columns):
            v = eye.upper(np.array([u]))[0] - heights
            points = rig.to_image(eye.center, np.full_like(v, u), v).astype(np.float32)
            profile = cv2.remap(
                grey,
                points[:, 0:1],
                points[:, 1:2],
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            ).ravel()
            profile = np.convolve(profile, np.ones(3) / 3.0, mode="same")
            tops[k] = _lash_top(profile, heights, scale)
        tops = np.clip(tops, MIN_LASHES * scale, MAX_LASHES * scale)
        # A lash line is smooth along the eye: take a running median of three.
        padded = np.concatenate([tops[:1], tops, tops[-1:]])
        smooth = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
        knots_u = np.concatenate([[eye.u_min], columns, [eye.u_max]])
        knots_v = np.concatenate([smooth[:1], smooth, smooth[-1:]])
        lashes = Curve.from_points(knots_u, knots_v)
        margin = _margin_color(rig, eye, lashes, pixels)
        eyes.append(dataclasses.replace(eye, lashes=lashes, margin_color=margin))
    return dataclasses.replace(rig, eyes=(eyes[0], eyes[1]))


def _margin_color(rig: FaceRig, eye: EyeRig, lashes: Curve, pixels: np.ndarray) -> np.ndarray:
    """(3,) float32 RGB mean of the darkest pixels between the lid's edge and the lash top."""
    span = eye.u_max - eye.u_min
    columns = np.linspace(eye.u_min + 0.15 * span, eye.u_max - 0.15 * span, 15)
    shares = np.linspace(-0.15, 1.0, 12)
    u = np.repeat(columns, len(shares))
    v = eye.upper(u) - np.tile(shares, len(columns)) * lashes(u)
    points = rig.to_image(eye.center, u, v).astype(np.float32)
    samples = (
        cv2.remap(
            np.ascontiguousarray(pixels),
            points[:, 0:1],
            points[:, 1:2],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        .reshape(-1, 3)
        .astype(np.float32)
    )
    luminance = samples @ np.array([0.299, 0.587, 0.114], np.float32)
    darkest = luminance <= np.percentile(luminance, 100.0 * MARGIN_DARKEST)
    return samples[darkest].mean(axis=0)


def _lash_top(profile: np.ndarray, heights: np.ndarray, scale: float) -> float:
    """Height where the dark lash line above the lid's edge gives way to lid skin."""
    skin_zone = heights >= 0.1 * scale
    near = heights <= 0.06 * scale
    if not skin_zone.any() or not near.any():
        return MIN_LASHES * scale
    skin = float(np.percentile(profile[skin_zone], 60))
    darkest = float(profile[near].min())
    if skin - darkest < 8.0:  # no visible lash line (low contrast): keep the minimum
        return MIN_LASHES * scale
    dark = profile < skin - 0.22 * (skin - darkest)
    start = int(np.argmax(dark)) if dark.any() else 0
    end = start
    gap = 0
    for index in range(start, len(dark)):
        if dark[index]:
            end, gap = index, 0
        else:
            gap += 1
            if gap > 2:
                break
    return float(heights[end]) + 0.01 * scale
