"""The mouth's colours and what the photo shows inside it, measured once per face.

When the jaw opens, the warp (``pipelines.animate.warp``) moves the lips apart with their own
texture, and the photo's own mouth interior between the inner lips moves with them: its upper
part with the upper lip, its lower part with the jaw. When that interior shows teeth (bright,
low-saturation pixels between the inner lips), those are the teeth: opening the jaw separates
the two rows and only the dark between them is painted. Otherwise the renderer paints an
interior with teeth and tongue (``pipelines.animate.interior``) in colours read here from the
photo: the cavity is the lips' hue darkened (a black-and-white photo gets a grey mouth), the
teeth are the eye whites' colour dimmed in the skin's cast (they match the photo's light and
white balance). The face's sharpness and grain are read here too (``pipelines.animate.grain``),
so the painted interior can be blurred and textured like the photo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from pipelines.animate.grain import blur_sigma, grey_of, noise_sigma
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

#: The photo shows teeth when at least this share of the pixels between its inner lips (and
#: at least TEETH_MIN_PIXELS of them) are teeth-like: bright and low in saturation.
TEETH_SHARE, TEETH_MIN_PIXELS = 0.2, 12
#: Teeth-like: at least this share of the skin's brightness, at most this saturation (and
#: less than the skin's own).
TEETH_BRIGHTNESS, TEETH_SATURATION = 0.6, 0.42
#: Side of the cheek patch whose fine texture is the photo's grain, inter-ocular distances.
CHEEK_PATCH = 0.3
#: Mesh points at the middle of each cheek.
CHEEKS = (205, 425)
#: How strongly the teeth take on the skin's hue (an exponent of its colour ratios).
TEETH_CAST = 0.8


@dataclass(frozen=True, eq=False)
class MouthPalette:
    """Colours of one face's mouth interior, RGB floats 0..255, and the photo's finish.

    Attributes:
        lip: (3,) mean colour of the lips.
        teeth: (3,) colour of painted teeth (the eye whites' colour, dimmed).
        shadow: (3,) the lips' hue at the face's own deepest shadows' brightness: the cavity
            is never darker than this (a soft painting gets a soft, not a black, mouth).
        photo_teeth: Whether teeth show between the photo's inner lips.
        blur: The face's edge softness as a Gaussian sigma, pixels (0 = pixel-sharp).
        grain: The face's grain, standard deviation in grey levels.
        skin_patch: (h, w) float32 luminance of a cheek patch; its fine texture is the grain
            added to the painted interior.
    """

    lip: np.ndarray
    teeth: np.ndarray
    shadow: np.ndarray
    photo_teeth: bool = False
    blur: float = 0.0
    grain: float = 0.0
    skin_patch: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

    @property
    def teeth_allowed(self) -> bool:
        """Whether teeth are painted: not when the photo's own move with the lips."""
        return not self.photo_teeth


def measure_palette(pixels: np.ndarray, landmarks: np.ndarray) -> MouthPalette:
    """Reads the lips' and eye whites' colours from the photo.

    Args:
        pixels: (H, W, 3) uint8 RGB photo.
        landmarks: (478, 3) face mesh in photo pixels.

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
        luminance = grey_of(eye_pixels)
        bright = eye_pixels[luminance >= np.percentile(luminance, 80)]
        white = bright.mean(axis=0)
    else:
        white = np.percentile(crop.reshape(-1, 3), 90, axis=0)
    face = mask_of(FACE_OVAL)
    face_pixels = crop[face] if face.sum() >= 16 else crop.reshape(-1, 3)
    # Teeth in a mouth's shade: the eye whites' brightness, dimmed, never pure white, in the
    # photo's own colour cast (the skin's hue, most of it): a neutral grey would look blue
    # in a warm, varnished painting. A grey photo's skin is grey, so its teeth stay grey.
    skin = np.median(face_pixels, axis=0)
    cast = np.clip(skin / max(float(skin.mean()), 1.0), 0.2, 3.0) ** TEETH_CAST
    teeth = np.minimum(float(white.mean()) * 0.82 * cast, 215.0)
    deepest = float(np.percentile(grey_of(face_pixels), 2))
    shadow = lip * (0.8 * deepest / max(float(grey_of(lip)), 1.0))
    grey = grey_of(crop)
    oval = face if face.sum() >= 16 else None
    photo_teeth = shows_teeth(crop[mask_of(inner)], skin)
    scale = max(float(np.linalg.norm(xy[RIGHT_EYE_UPPER[4]] - xy[LEFT_EYE_UPPER[4]])), 4.0)
    return MouthPalette(
        lip=lip.astype(np.float32),
        teeth=teeth.astype(np.float32),
        shadow=np.minimum(shadow, lip).astype(np.float32),
        photo_teeth=photo_teeth,
        blur=blur_sigma(grey, oval),
        grain=noise_sigma(grey, oval),
        skin_patch=_cheek_patch(grey, xy - offset, scale),
    )


def shows_teeth(inside: np.ndarray, skin: np.ndarray) -> bool:
    """Whether the pixels between the inner lips show teeth.

    Args:
        inside: (n, 3) float RGB of the pixels inside the inner-lip outline.
        skin: (3,) the face's median skin colour.

    Returns:
        True when enough of them are bright and low in saturation (teeth, not the cavity's
        dark or the lips' red).
    """
    if len(inside) < TEETH_MIN_PIXELS:
        return False

    def saturation(rgb: np.ndarray) -> np.ndarray:
        high, low = rgb.max(axis=-1), rgb.min(axis=-1)
        return (high - low) / np.maximum(high, 1.0)

    skin_saturation = float(saturation(np.asarray(skin, np.float32)[None])[0])
    bright = grey_of(inside) >= TEETH_BRIGHTNESS * float(grey_of(skin))
    pale = saturation(inside) <= min(TEETH_SATURATION, 0.85 * skin_saturation + 0.06)
    teeth = bright & pale
    return bool(teeth.sum() >= TEETH_MIN_PIXELS and teeth.mean() >= TEETH_SHARE)


def _cheek_patch(grey: np.ndarray, xy: np.ndarray, scale: float) -> np.ndarray:
    """(h, w) float32: the smoother of the two cheek patches (fewer edges), crop pixels."""
    half = max(8, round(CHEEK_PATCH * scale / 2.0))
    best, best_edges = np.zeros((0, 0), np.float32), np.inf
    for index in CHEEKS:
        cx, cy = np.round(xy[index]).astype(int)
        patch = grey[max(cy - half, 0) : cy + half, max(cx - half, 0) : cx + half]
        if patch.shape[0] < 6 or patch.shape[1] < 6:
            continue
        smooth = cv2.GaussianBlur(patch, (0, 0), 2.0)
        gy, gx = np.gradient(smooth)
        edges = float(np.mean(np.hypot(gx, gy)))
        if edges < best_edges:
            best, best_edges = np.ascontiguousarray(patch, np.float32), edges
    return best
