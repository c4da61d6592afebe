"""Colour words for pixels: which of eleven basic colour names a pixel is.

Lab chroma (with HSV saturation for dark shades) tells grey from coloured; HSV hue picks the
colour word; dark warm hues are brown and light, weakly saturated reds are pink. A faint cast
(a grey studio wall under cool light, chroma 8-12) stays grey: only a clear colour is named.
Gold and mustard (hue 36-70 degrees) are yellow, not orange. ``colour_shares`` counts the
words of a region, merging shades of one material (see ``_SHADES``).
"""

from __future__ import annotations

import cv2
import numpy as np

COLOUR_WORDS: tuple[str, ...] = (
    "black",
    "white",
    "grey",
    "red",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "brown",
)
#: Lab chroma from which a pixel is coloured whatever its saturation. The grey wall of
#: couple_red_carpet.jpg under cool light measures 8-12; a navy suit or a blue sky 20 and more.
COLOURED_MIN_CHROMA = 13.0
#: A dark, strongly saturated shade (a navy background) is coloured from this chroma.
SATURATED_MIN_CHROMA = 5.0
SATURATED_MIN_SATURATION = 0.3
#: Hue bands in degrees (HSV hue): red below 12 or from 345, orange to 36, yellow to 70,
#: green to 165, blue to 265, purple to 320, then pink. Gold curtains measure 38-42.
HUE_BANDS: tuple[tuple[str, float], ...] = (
    ("red", 12.0),
    ("orange", 36.0),
    ("yellow", 70.0),
    ("green", 165.0),
    ("blue", 265.0),
    ("purple", 320.0),
)
#: Dark pixels of hue under this and at least this saturation are deep red, not brown.
DEEP_RED_MAX_HUE = 20.0
DEEP_RED_MIN_SATURATION = 0.8
#: Shades of one material: when both words of a pair are found, the smaller share joins the
#: larger (gold curtains in light and shade read yellow and orange; an orange suit's folds
#: brown or deep red). Brown joins a warm colour only when that colour is the larger.
_SHADES: tuple[tuple[str, str], ...] = (
    ("yellow", "orange"),
    ("red", "orange"),
    ("orange", "brown"),
    ("yellow", "brown"),
    ("red", "brown"),
)
_INDEX = {word: i for i, word in enumerate(COLOUR_WORDS)}


def name_colours(rgb: np.ndarray) -> np.ndarray:
    """Index into COLOUR_WORDS of each pixel of an (H, W, 3) uint8 RGB image, shape (H, W)."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lightness = lab[..., 0] * (100.0 / 255.0)
    chroma = np.hypot(lab[..., 1] - 128.0, lab[..., 2] - 128.0)
    hue = hsv[..., 0] * 2.0
    saturation, value = hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    coloured = (chroma >= COLOURED_MIN_CHROMA) | (
        (saturation >= SATURATED_MIN_SATURATION) & (chroma >= SATURATED_MIN_CHROMA)
    )
    conditions = [(hue < HUE_BANDS[0][1]) | (hue >= 345.0)]
    conditions += [hue < limit for _, limit in HUE_BANDS[1:]]
    words = np.select(conditions, [_INDEX[word] for word, _ in HUE_BANDS], _INDEX["pink"])
    warm = np.isin(words, [_INDEX["red"], _INDEX["orange"], _INDEX["yellow"]])
    # A dark warm shade is brown, but a dark, fully saturated red-orange (a red carpet in
    # shade: hue 14, saturation 0.97, value 0.4) is deep red.
    deep_red = (hue < DEEP_RED_MAX_HUE) & (saturation >= DEEP_RED_MIN_SATURATION)
    words = np.where(warm & (value < 0.55) & ~deep_red, _INDEX["brown"], words)
    words = np.where(warm & (value < 0.55) & deep_red, _INDEX["red"], words)
    light_red = (words == _INDEX["red"]) & (value > 0.75) & (saturation < 0.5)
    words = np.where(light_red, _INDEX["pink"], words)
    greys = np.where(
        lightness > 85, _INDEX["white"], np.where(lightness < 20, _INDEX["black"], _INDEX["grey"])
    )
    words = np.where(coloured, words, greys)
    return np.where(value < 0.12, _INDEX["black"], words).astype(np.int64)


def colour_shares(rgb: np.ndarray) -> np.ndarray:
    """The share of each COLOUR_WORDS entry among the pixels of an (N, 3) or (H, W, 3) image.

    Shades of one material are merged (see ``_SHADES``), so the shares still sum to 1.
    """
    pixels = np.ascontiguousarray(rgb.reshape(1, -1, 3))
    words = name_colours(pixels)
    shares = np.bincount(words.ravel(), minlength=len(COLOUR_WORDS)) / max(words.size, 1)
    for first, second in _SHADES:
        i, j = _INDEX[first], _INDEX[second]
        if shares[i] > 0 and shares[j] > 0:
            if second == "brown" and shares[i] < shares[j]:
                continue
            larger, smaller = (i, j) if shares[i] >= shares[j] else (j, i)
            shares[larger] += shares[smaller]
            shares[smaller] = 0.0
    return shares
