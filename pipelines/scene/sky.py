"""A blue sky above the scene: a colour, texture and position rule on the background.

Sky is smooth, blue, at the top of the picture, and above something else: the ground, a
horizon, buildings. A studio backdrop is just as smooth and can be as blue (a navy portrait
wall, a pale blue photographer's sheet), but it runs down behind the person to the bottom
of the frame or disappears behind them; it has nothing under it. So the rule asks for:

- sky pixels: background, named "blue", with a local grey-level deviation (5x5) under
  SKY_MAX_TEXTURE, joined (4-connected) to the top edge of the picture (its first 3 rows);
- SKY_MIN_TOP of the background in the top quarter of the picture to be sky;
- below: the bottom fifth of the picture holds at least GROUND_MIN_SHARE of background
  (not people), and at most SKY_MAX_BOTTOM of that background is sky.

Only blue skies (clear, or dusk) are found: an overcast white or grey sky, or a sunset,
is not. Tried on 32 photos (assets/examples, tests/data/photos, the 17 colour and grey
photos of scikit-image's data and matplotlib's grace_hopper): found on scikit-image's rocket,
the one photo with a blue sky (top 0.85, bottom fifth's background 14 % sky); missed on
scikit-image's camera, a grey sky (not blue); no false alarm on the other 30, among them
painted_portrait's navy wall (top 0.94, but the bottom fifth is 1 % background) and
grace_hopper's pale blue backdrop (top 0.50; bottom fifth 3 % background). One hit is thin
evidence: the thresholds are set from these photos, not checked on unseen ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipelines.scene.colours import COLOUR_WORDS, name_colours

#: Smoothness: a sky pixel's 5x5 grey-level deviation is under this (a clear or
#: dusk sky measures 0.5-1; foliage, walls with texture, brick 4 and more).
SKY_MAX_TEXTURE = 4.0
#: Share of the top quarter's background that must be sky.
SKY_MIN_TOP = 0.5
#: Share of the bottom fifth of the picture that must be background (something stands there).
GROUND_MIN_SHARE = 0.1
#: Share of the bottom fifth's background that may still be sky.
SKY_MAX_BOTTOM = 0.5


def local_deviation(small: np.ndarray) -> np.ndarray:
    """(h, w) float32: each pixel's grey-level standard deviation over its 5x5 neighbourhood."""
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mean = cv2.blur(grey, (5, 5))
    return np.sqrt(np.maximum(cv2.blur(grey * grey, (5, 5)) - mean * mean, 0.0))


def sky_pixels(
    small: np.ndarray,
    mask: np.ndarray,
    words: np.ndarray | None = None,
    deviation: np.ndarray | None = None,
) -> np.ndarray:
    """(h, w) bool: smooth blue background pixels joined to the top edge of the picture.

    The top edge is the first three rows holding background, so a letterbox border is skipped.

    Args:
        small: (h, w, 3) uint8 RGB.
        mask: (h, w) bool, where the background is.
        words: ``name_colours(small)`` when already computed.
        deviation: ``local_deviation(small)`` when already computed.
    """
    words = name_colours(small) if words is None else words
    deviation = local_deviation(small) if deviation is None else deviation
    blue = words == COLOUR_WORDS.index("blue")
    candidate = mask & blue & (deviation < SKY_MAX_TEXTURE)
    count, labels = cv2.connectedComponents(candidate.astype(np.uint8), connectivity=4)
    if count <= 1:
        return np.zeros_like(candidate)
    # The picture's top rows, below any letterbox border (its edge row is blurred by the resize).
    top = int(np.argmax(mask.any(axis=1)))
    edge = slice(top, top + 3)
    touching = np.unique(labels[edge][candidate[edge]])
    return np.isin(labels, touching) & candidate


def has_sky(
    small: np.ndarray,
    mask: np.ndarray,
    words: np.ndarray | None = None,
    deviation: np.ndarray | None = None,
) -> bool:
    """Whether a blue sky is above the scene (see the module's rule).

    Args:
        small: (h, w, 3) uint8 RGB.
        mask: (h, w) bool, where the background is (outside the people and any border).
        words: ``name_colours(small)`` when already computed.
        deviation: ``local_deviation(small)`` when already computed.
    """
    height = mask.shape[0]
    sky = sky_pixels(small, mask, words, deviation)
    top, bottom = slice(0, max(height // 4, 1)), slice(height - max(height // 5, 1), height)
    top_background = mask[top].sum()
    if top_background == 0 or sky[top].sum() < SKY_MIN_TOP * top_background:
        return False
    ground = mask[bottom]
    if ground.mean() < GROUND_MIN_SHARE:
        return False
    return bool(sky[bottom][ground].mean() <= SKY_MAX_BOTTOM)
