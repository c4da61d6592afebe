"""The inside of an opened mouth: a dark cavity in the lips' own colour, with a hint of teeth.

When the jaw opens, the warp (``pipelines.animate.warp``) moves the lips apart with their own
texture; this module paints only what appears between them. Colours come from the photo itself: the
cavity is the lips' mean colour darkened (so a black-and-white photo gets a grey mouth), the teeth
are the eye whites' colour dimmed (so they match the photo's light and white balance).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.animate.basis import smoothstep
from pipelines.animate.rig import (
    FACE_OVAL,
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    LOWER_INNER_LIP,
    OUTER_LIP,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    UPPER_INNER_LIP,
)

#: The photo's mouth counts as open (its own teeth or cavity show) above this gap / width.
OPEN_MOUTH_RATIO = 0.06
#: Gap between the lips (inter-ocular distances) over which the upper teeth come into view.
TEETH_SHOW = (0.08, 0.22)
#: How strongly the teeth take on the skin's hue (an exponent of its colour ratios).
TEETH_CAST = 0.8


@dataclass(frozen=True)
class MouthPalette:
    """Colours of one face's mouth interior, RGB floats 0..255.

    Attributes:
        lip: (3,) mean colour of the lips.
        teeth: (3,) colour of the teeth hint (the eye whites' colour, dimmed).
        teeth_allowed: False when the photo's mouth is already open: its own teeth move with
            the lips, so none are painted.
        shadow: (3,) the lips' hue at the face's own deepest shadows' brightness: the cavity
            is never darker than this (a soft painting gets a soft, not a black, mouth).
    """

    lip: np.ndarray
    teeth: np.ndarray
    teeth_allowed: bool
    shadow: np.ndarray


def measure_palette(pixels: np.ndarray, landmarks: np.ndarray, open_ratio: float) -> MouthPalette:
    """Reads the lips' and eye whites' colours from the photo.

    Args:
        pixels: (H, W, 3) uint8 RGB photo.
        landmarks: (478, 3) face mesh in photo pixels.
        open_ratio: The photo's inner-lip gap over the mouth width.

    Returns:
        The palette.
    """
    xy = np.asarray(landmarks, np.float64)[:, :2]
    x0, y0 = np.floor(xy.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(xy.max(axis=0)).astype(int) + 3
    height, width = pixels.shape[:2]
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, width), min(y1, height)
    crop = pixels[y0:y1, x0:x1].astype(np.float32)
    offset = np.array([x0, y0], np.float64)

    def mask_of(*polygons: tuple[int, ...], holes: tuple[tuple[int, ...], ...] = ()) -> np.ndarray:
        mask = np.zeros(crop.shape[:2], np.uint8)
        for ids in polygons:
            cv2.fillPoly(mask, [np.round(xy[list(ids)] - offset).astype(np.int32)], 1)
        for ids in holes:
            cv2.fillPoly(mask, [np.round(xy[list(ids)] - offset).astype(np.int32)], 0)
        return mask.astype(bool)

    inner = UPPER_INNER_LIP + tuple(reversed(LOWER_INNER_LIP))
    lips = mask_of(OUTER_LIP, holes=(inner,))
    lip = crop[lips].mean(axis=0) if lips.sum() >= 4 else np.median(crop.reshape(-1, 3), axis=0)
    eyes = mask_of(
        RIGHT_EYE_UPPER + tuple(reversed(RIGHT_EYE_LOWER)),
        LEFT_EYE_UPPER + tuple(reversed(LEFT_EYE_LOWER)),
    )
    if eyes.sum() >= 6:
        eye_pixels = crop[eyes]
        luminance = eye_pixels @ np.array([0.299, 0.587, 0.114], np.float32)
        bright = eye_pixels[luminance >= np.percentile(luminance, 80)]
        white = bright.mean(axis=0)
    else:
        white = np.percentile(crop.reshape(-1, 3), 90, axis=0)
    face = mask_of(FACE_OVAL)
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    face_pixels = crop[face] if face.sum() >= 16 else crop.reshape(-1, 3)
    # Teeth in a mouth's shade: the eye whites' brightness, dimmed, never pure white, in the
    # photo's own colour cast (the skin's hue, most of it): a neutral grey would look blue
    # in a warm, varnished painting. A grey photo's skin is grey, so its teeth stay grey.
    skin = np.median(face_pixels, axis=0)
    cast = np.clip(skin / max(float(skin.mean()), 1.0), 0.2, 3.0) ** TEETH_CAST
    teeth = np.minimum(float(white.mean()) * 0.82 * cast, 215.0)
    deepest = float(np.percentile(face_pixels @ weights, 2))
    shadow = lip * (0.8 * deepest / max(float(lip @ weights), 1.0))
    return MouthPalette(
        lip.astype(np.float32),
        teeth.astype(np.float32),
        open_ratio < OPEN_MOUTH_RATIO,
        np.minimum(shadow, lip).astype(np.float32),
    )


def paint_cavity(
    depth_top: np.ndarray,
    depth_bottom: np.ndarray,
    across: np.ndarray,
    scale: float,
    palette: MouthPalette,
    bite: float,
) -> np.ndarray:
    """Colours of the mouth's interior between the parted lips.

    Args:
        depth_top: (h, w) distance below the upper lip's edge, pixels (>= 0).
        depth_bottom: (h, w) distance above the lower lip's edge, pixels (>= 0).
        across: (h, w) position along the mouth, 0 at the centre, +-1 at the corners.
        scale: The face's inter-ocular distance, pixels.
        palette: The face's mouth colours.
        bite: 0..1 how much the lower lip is tucked under the upper teeth this frame.

    Returns:
        (h, w, 3) float32 RGB 0..255.
    """
    top = np.maximum(depth_top, 0.0)
    bottom = np.maximum(depth_bottom, 0.0)
    gap = top + bottom + 1e-3
    position = top / gap  # 0 at the upper lip, 1 at the lower lip
    lateral = np.clip(np.abs(across), 0.0, 1.0)
    lip = palette.lip[None, None, :]

    # The cavity: darkest in the shadow under the upper lip and at the back, a little lighter
    # towards the floor of the mouth, darker towards the corners.
    shade = (0.16 + 0.1 * position) * (1.0 - 0.45 * lateral * lateral)
    color = lip * shade[..., None]
    # A hint of tongue low in a wide-open mouth.
    tongue = (
        smoothstep(0.55, 0.95, position)
        * (1.0 - lateral**2)
        * smoothstep(0.12 * scale, 0.3 * scale, gap)
    )
    color += (lip * 0.55 - color) * (0.6 * tongue)[..., None]
    # The wet inner side of the lips: a soft rim of darkened lip colour along both edges.
    rim_width = 0.012 * scale + 0.7
    rim = np.exp(-np.minimum(top, bottom) / rim_width)
    color += (lip * 0.5 - color) * (0.55 * rim)[..., None]
    color = np.maximum(color, palette.shadow[None, None, :])

    # Upper teeth: a soft band under the upper lip, only when open wide, fading at the sides.
    band = np.minimum(0.3 * gap, 0.09 * scale)
    biting = float(np.clip(bite, 0.0, 1.0))
    band = np.maximum(band, biting * 0.9 * gap)
    showing = (
        0.7 * smoothstep(TEETH_SHOW[0] * scale, TEETH_SHOW[1] * scale, gap)
        if palette.teeth_allowed
        else 0.0
    )
    showing = np.maximum(showing, 0.8 * biting)
    edge = smoothstep(band, 0.55 * band, top)
    teeth = showing * edge * smoothstep(0.85, 0.35, lateral)
    lit = (0.62 + 0.38 * smoothstep(0.0, 0.5 * band, top)) * (1.0 - 0.35 * lateral * lateral)
    teeth_color = palette.teeth[None, None, :] * lit[..., None]
    color += (teeth_color - color) * teeth[..., None]
    return color.astype(np.float32)
