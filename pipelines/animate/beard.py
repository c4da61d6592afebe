"""Whether a moustache or beard hides the lips, read from the photo around the mouth.

Hair over the upper lip is darker than the face's bare skin and, for its brightness, more
textured (strands, not smooth skin). Two zones are read in the face's own frame: the skin
between the nose and the upper lip (a moustache) and the chin below the lower lip (a beard),
each against bare skin that hair rarely covers: the bridge and middle of the nose and the
upper cheeks under the eyes. A face with hair there speaks with its jaw: the renderer gives
the lower lip and jaw a bigger drop (``beard_gain``), so the opening shows below the hair.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.animate.grain import grey_of
from pipelines.animate.rig import FaceRig
from pipelines.animate.shaping import smoothstep

logger = logging.getLogger(__name__)

#: Mesh points of bare reference skin: the nose's bridge and middle, the upper cheeks.
REFERENCE_POINTS = (6, 197, 195, 5, 118, 347)
#: Half the side of each reference patch, inter-ocular distances.
REFERENCE_HALF = 0.06
#: A zone counts as hair when its brightness is this share of the bare skin's or less (full
#: at the second value) and its texture this many times the skin's or more (full at the
#: second).
DARKER = (0.68, 0.5)
ROUGHER = (0.8, 1.2)
#: The jaw's extra drop for a full moustache, and for a full beard on the chin.
MOUSTACHE_GAIN, CHIN_GAIN = 1.2, 0.2


@dataclass(frozen=True)
class FacialHair:
    """How much hair covers the mouth's surroundings, each 0 (bare) .. 1 (clearly hair).

    Attributes:
        moustache: Over the upper lip, between it and the nose.
        chin: Below the lower lip.
        darkness: The moustache zone's brightness over the bare skin's.
        roughness: The moustache zone's fine texture over the bare skin's, each relative to
            its brightness.
    """

    moustache: float
    chin: float
    darkness: float
    roughness: float

    @property
    def present(self) -> bool:
        """Whether the face has a moustache or beard that hides part of the mouth."""
        return max(self.moustache, self.chin) >= 0.5


def _texture(grey: np.ndarray, blur: float) -> np.ndarray:
    """|photo - blurred photo|: the fine texture, grey levels."""
    return np.abs(grey - cv2.GaussianBlur(grey, (0, 0), blur))


def _zone_stats(
    grey: np.ndarray, texture: np.ndarray, mask: np.ndarray
) -> tuple[float, float] | None:
    if mask.sum() < 12:
        return None
    return float(np.median(grey[mask])), float(np.mean(texture[mask]))


def measure_facial_hair(pixels: np.ndarray, rig: FaceRig, landmarks: np.ndarray) -> FacialHair:
    """Reads the moustache and chin zones against bare skin.

    Args:
        pixels: (H, W, 3) uint8 RGB photo.
        rig: The face.
        landmarks: (478, 3) face mesh in photo pixels.

    Returns:
        The face's facial hair.
    """
    mouth, scale = rig.mouth, rig.scale
    height, width = pixels.shape[:2]
    xy = np.asarray(landmarks, np.float64)[:, :2]
    reach = 0.9 * scale
    cx, cy = mouth.center
    x0, y0 = max(int(cx - 1.6 * reach), 0), max(int(cy - 2.0 * reach), 0)
    x1, y1 = min(int(cx + 1.6 * reach) + 1, width), min(int(cy + 1.2 * reach) + 1, height)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return FacialHair(0.0, 0.0, 1.0, 1.0)
    grey = grey_of(pixels[y0:y1, x0:x1])
    texture = _texture(grey, max(1.0, 0.012 * scale))
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    u, v = rig.local(np.stack([xs, ys], axis=-1), mouth.center)
    half = 0.5 * (mouth.half_left + mouth.half_right)
    lip_top = -mouth.upper_height
    nose = -mouth.nose_height
    moustache = (np.abs(u) < 0.7 * half) & (v > nose + 0.25 * (lip_top - nose))
    moustache &= v < lip_top - 0.15 * (lip_top - nose)
    chin_bottom = float(mouth.jaw_line(np.zeros(1))[0])
    chin_top = mouth.lower_height + 0.08 * scale
    chin = (
        (np.abs(u) < 0.6 * half) & (v > chin_top) & (v < chin_top + 0.6 * (chin_bottom - chin_top))
    )
    reference = np.zeros(grey.shape, bool)
    side = max(2, round(REFERENCE_HALF * scale))
    for index in REFERENCE_POINTS:
        px, py = np.round(xy[index] - np.array([x0, y0])).astype(int)
        reference[max(py - side, 0) : py + side, max(px - side, 0) : px + side] = True
    skin = _zone_stats(grey, texture, reference)
    if skin is None:
        return FacialHair(0.0, 0.0, 1.0, 1.0)
    scores, ratios = [], (1.0, 1.0)
    for k, zone in enumerate((moustache, chin)):
        stats = _zone_stats(grey, texture, zone)
        if stats is None:
            scores.append(0.0)
            continue
        darkness = stats[0] / max(skin[0], 1.0)
        # Texture relative to brightness: dark hair has little absolute contrast.
        roughness = (stats[1] / max(stats[0], 1.0)) / max(skin[1] / max(skin[0], 1.0), 1e-3)
        if k == 0:
            ratios = (darkness, roughness)
        scores.append(
            float(
                smoothstep(DARKER[0], DARKER[1], np.float64(darkness))
                * smoothstep(ROUGHER[0], ROUGHER[1], np.float64(roughness))
            )
        )
    return FacialHair(scores[0], scores[1], float(ratios[0]), float(ratios[1]))


def beard_gain(hair: FacialHair) -> float:
    """How much bigger the jaw's drop is on this face (1 for a bare face)."""
    return 1.0 + MOUSTACHE_GAIN * hair.moustache + CHIN_GAIN * hair.chin


def with_facial_hair(rig: FaceRig, pixels: np.ndarray, landmarks: np.ndarray) -> FaceRig:
    """The rig with its jaw's drop scaled by ``beard_gain`` (unchanged for a bare face).

    Args:
        rig: The face.
        pixels: (H, W, 3) uint8 RGB photo.
        landmarks: (478, 3) face mesh in photo pixels.
    """
    hair = measure_facial_hair(pixels, rig, landmarks)
    gain = beard_gain(hair)
    if gain <= 1.0:
        return rig
    logger.debug("Facial hair %s: the jaw drops %.2f times as far", hair, gain)
    mouth = dataclasses.replace(rig.mouth, open_unit=rig.mouth.open_unit * gain)
    return dataclasses.replace(rig, mouth=mouth)
