"""Scene reading from pixel statistics, the faces found and OCR.

Everything here is a measurement or a plain rule on one; nothing is generated, so nothing is
invented. The facts: where each person is and how they look, colour / black-and-white / sepia,
brightness, photo or painting (a weak guess), the main background colours, and any text in
the photo (RapidOCR, PP-OCRv4). ``scene_sentence`` renders them as one English sentence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

import cv2
import numpy as np

from pipelines.scene.ocr_filter import keep_text
from pipelines.scene.sentence import scene_sentence
from pipelines.types import Face, PersonInScene, Photo, Scene

logger = logging.getLogger(__name__)

#: Statistics are taken on a copy whose longest side is at most this many pixels.
STATS_SIDE = 256
#: OCR runs on a copy whose longest side is at most this many pixels.
OCR_SIDE = 960
#: OCR strings below this recognition confidence are dropped.
OCR_MIN_SCORE = 0.6
#: At most this many OCR strings are kept (the tallest, i.e. most prominent).
OCR_MAX_STRINGS = 5

# Framing: face height / photo height.
CLOSE_UP_RATIO = 0.35
PORTRAIT_RATIO = 0.12
# Tone: a photo is black-and-white when under this fraction of its pixels has a Lab chroma
# over 10 (hand-tinted photos such as einstein_bw.jpg have 3 %, colour photos 30 % or more);
# sepia when its colour is one warm hue that depends on lightness alone.
COLOURED_CHROMA = 10.0
BW_MAX_COLOURED_FRACTION = 0.08
SEPIA_MIN_HUE_AGREEMENT = 0.9
SEPIA_MAX_SPREAD = 4.0
SEPIA_HUE_DEGREES = (20.0, 110.0)
# A toned print is moderately coloured and has lights and shades (a flat orange wall is not).
SEPIA_MAX_CHROMA = 30.0
SEPIA_MIN_LIGHTNESS_STD = 8.0
# Brightness: mean Lab lightness (0..100).
DARK_BELOW, DIM_BELOW, BRIGHT_ABOVE = 18.0, 28.0, 68.0
# Medium: renders and paintings have almost no pixel noise and wide flat mid-tone areas.
PAINTING_MAX_NOISE = 0.45
PAINTING_MIN_FLAT = 0.3
MEDIUM_SIDE = 1024
# Watercolour-like or airbrushed pictures: grain-free (fine texture under 1 grey level) with
# wide flat areas; pencil and ink drawings: strokes (Canny edges on over a quarter of the
# pixels) and a strong fine texture. Camera photos of faces measured 1.3-5.7 and 0.06-0.24.
SMOOTHED_MAX_FINE = 1.0
SMOOTHED_MIN_FLAT = 0.22
SKETCH_MIN_FINE = 9.0
SKETCH_MIN_EDGES = 0.25
# Clothes: a colour word is named when it covers at least this share of the chest region.
CLOTHES_MIN_SHARE = 0.45
# Background colours: a colour word is named when it covers at least this share.
BACKGROUND_MIN_SHARE = 0.15

_OCR_WARNED = False
_OCR_WARN_LOCK = threading.Lock()

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


class HeuristicSceneReader:
    """Reads a photo's scene from pixel statistics, the faces and OCR.

    Args:
        read_text: Run OCR (RapidOCR) for text in the photo. When rapidocr_onnxruntime is not
            installed, a warning is logged once and no text is read.
    """

    name: ClassVar[str] = "heuristic"

    def __init__(self, read_text: bool = True) -> None:
        self._ocr: Any = None
        self._ocr_lock = threading.Lock()
        if read_text:
            self._ocr = _load_ocr()

    def describe(self, photo: Photo, faces: Sequence[Face]) -> Scene:
        """The scene of the photo, given the faces already found in it.

        Args:
            photo: The working photo, (H, W, 3) uint8 RGB.
            faces: Its faces, left to right.

        Returns:
            The scene; ``caption`` is always "" (no captioning model here).
        """
        small = _shrink(photo.pixels, STATS_SIDE)
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
        people = place_people(photo, faces)
        tone = read_tone(lab)
        brightness = read_brightness(lab)
        medium = guess_medium(photo.pixels)
        background = background_colours(photo, faces)
        text = self.read_text(photo.pixels)
        return Scene(
            people=people,
            tone=tone,
            brightness=brightness,
            medium=medium,
            background=background,
            text_in_photo=text,
            caption="",
            description=scene_sentence(people, tone, brightness, medium, background, text),
        )

    def read_text(self, pixels: np.ndarray) -> tuple[str, ...]:
        """Confident text strings in the photo, in reading order (top to bottom, left to right).

        Args:
            pixels: (H, W, 3) uint8 RGB.

        Returns:
            Up to OCR_MAX_STRINGS distinct strings of 2 or more characters; () without OCR.
        """
        if self._ocr is None:
            return ()
        bgr = cv2.cvtColor(_shrink(pixels, OCR_SIDE), cv2.COLOR_RGB2BGR)
        with self._ocr_lock:
            result, _ = self._ocr(bgr)
        # casefolded text -> (height, top, left, text); a repeated string keeps its tallest copy.
        found: dict[str, tuple[float, float, float, str]] = {}
        for box, text, score in result or ():
            # keep_text gives "" for noise and for fewer than 2 letters or digits.
            cleaned = keep_text(" ".join(str(text).split()))
            if float(score) < OCR_MIN_SCORE or not cleaned:
                continue
            corners = np.asarray(box, dtype=np.float32)
            height = float(corners[:, 1].max() - corners[:, 1].min())
            key = cleaned.casefold()
            if key not in found or found[key][0] < height:
                found[key] = (
                    height,
                    float(corners[:, 1].min()),
                    float(corners[:, 0].min()),
                    cleaned,
                )
        tallest = sorted(found.values(), key=lambda item: -item[0])[:OCR_MAX_STRINGS]
        return tuple(text for _, _, _, text in _reading_order(tallest))


def _reading_order(
    items: list[tuple[float, float, float, str]],
) -> list[tuple[float, float, float, str]]:
    """Sorts (height, top, left, text) into rows top to bottom, each row left to right.

    A string starts a new row when its top is more than half its height below the top of
    the row's first string.
    """
    rows: list[list[tuple[float, float, float, str]]] = []
    for item in sorted(items, key=lambda item: item[1]):
        if rows and item[1] <= rows[-1][0][1] + 0.5 * max(item[0], rows[-1][0][0]):
            rows[-1].append(item)
        else:
            rows.append([item])
    return [item for row in rows for item in sorted(row, key=lambda item: item[2])]


def _load_ocr() -> Any:
    """RapidOCR, or None (with one warning per process) when it is not installed."""
    global _OCR_WARNED
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as error:
        with _OCR_WARN_LOCK:
            if not _OCR_WARNED:
                logger.warning(
                    "Text in photos will not be read: rapidocr_onnxruntime is not installed "
                    "(pip install rapidocr-onnxruntime==1.4.4): %s",
                    error,
                )
                _OCR_WARNED = True
        return None
    # Detect text at the copy's own size (at most OCR_SIDE), not upscaled to a 736-pixel
    # shorter side as by default: 1.5-7x faster, and text too small to read there is dropped.
    return RapidOCR(det_limit_type="max", det_limit_side_len=OCR_SIDE)


def _shrink(pixels: np.ndarray, longest: int) -> np.ndarray:
    """A copy whose longest side is at most ``longest`` (area-averaged), or the array itself."""
    height, width = pixels.shape[:2]
    scale = longest / max(height, width)
    if scale >= 1.0:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def place_people(photo: Photo, faces: Sequence[Face]) -> tuple[PersonInScene, ...]:
    """Position (thirds of the width), framing (face height / photo height) and expression."""
    people = []
    for face in faces:
        centre_x = face.box.center[0] / photo.width
        position = "left" if centre_x < 1 / 3 else "right" if centre_x > 2 / 3 else "centre"
        share = face.box.height / photo.height
        if share > CLOSE_UP_RATIO:
            framing = "close-up"
        elif share > PORTRAIT_RATIO:
            framing = "portrait"
        else:
            framing = "small in the frame"
        clothes = clothes_colour(photo, face)
        people.append(PersonInScene(face.index, position, framing, face.expression.label, clothes))
    return tuple(people)


def clothes_colour(photo: Photo, face: Face) -> str:
    """The colour word of most of the clothes just below a face, or "" when unclear.

    The region is the chest: from a quarter of a face height below the chin down one face
    height, as wide as the face with a margin. It must lie mostly inside the photo, and one
    colour word must cover at least CLOTHES_MIN_SHARE of it.
    """
    box = face.box
    top = int(box.y + 1.25 * box.height)
    bottom = min(int(box.y + 2.25 * box.height), photo.height)
    left = max(int(box.x - 0.1 * box.width), 0)
    right = min(int(box.x + 1.1 * box.width), photo.width)
    if bottom - top < 0.5 * box.height or right - left < 0.5 * box.width:
        return ""
    region = _shrink(np.ascontiguousarray(photo.pixels[top:bottom, left:right]), 64)
    words = name_colours(region)
    shares = np.bincount(words.ravel(), minlength=len(COLOUR_WORDS)) / words.size
    best = int(np.argmax(shares))
    return COLOUR_WORDS[best] if shares[best] >= CLOTHES_MIN_SHARE else ""


def read_tone(lab: np.ndarray) -> str:
    """The tone, "colour", "black-and-white" or "sepia", of an OpenCV 8-bit Lab image (H, W, 3)."""
    lightness = lab[..., 0] * (100.0 / 255.0)
    a, b = lab[..., 1] - 128.0, lab[..., 2] - 128.0
    chroma = np.hypot(a, b)
    tinted = chroma > 4.0
    if tinted.mean() > 0.5:
        mean_a, mean_b = float(a[tinted].mean()), float(b[tinted].mean())
        # 1.0 when every tinted pixel has the same hue.
        agreement = float(np.hypot(mean_a, mean_b) / chroma[tinted].mean())
        hue = float(np.degrees(np.arctan2(mean_b, mean_a)))
        if (
            agreement >= SEPIA_MIN_HUE_AGREEMENT
            and SEPIA_HUE_DEGREES[0] <= hue <= SEPIA_HUE_DEGREES[1]
            and float(chroma.mean()) <= SEPIA_MAX_CHROMA
            and float(lightness.std()) >= SEPIA_MIN_LIGHTNESS_STD
            and _colour_spread_at_equal_lightness(lightness, a, b) <= SEPIA_MAX_SPREAD
        ):
            return "sepia"
    if float((chroma > COLOURED_CHROMA).mean()) < BW_MAX_COLOURED_FRACTION:
        return "black-and-white"
    return "colour"


def _colour_spread_at_equal_lightness(lightness: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """RMS distance in (a, b) of each pixel from the mean colour of its lightness band.

    Near 0 for a toned monochrome print (the colour follows the lightness), several units for
    a colour photo even when it is mostly one hue.
    """
    bands = np.clip((lightness / 5.0).astype(np.int32), 0, 19).ravel()
    a_flat, b_flat = a.ravel(), b.ravel()
    counts = np.bincount(bands, minlength=20).astype(np.float64)
    safe = np.maximum(counts, 1.0)
    mean_a = np.bincount(bands, weights=a_flat, minlength=20) / safe
    mean_b = np.bincount(bands, weights=b_flat, minlength=20) / safe
    squared = (a_flat - mean_a[bands]) ** 2 + (b_flat - mean_b[bands]) ** 2
    return float(np.sqrt(squared.mean()))


def read_brightness(lab: np.ndarray) -> str:
    """The brightness, "dark", "dim", "normal" or "bright", from the mean Lab lightness."""
    mean_lightness = float(lab[..., 0].mean()) * (100.0 / 255.0)
    if mean_lightness < DARK_BELOW:
        return "dark"
    if mean_lightness < DIM_BELOW:
        return "dim"
    if mean_lightness > BRIGHT_ABOVE:
        return "bright"
    return "normal"


def guess_medium(pixels: np.ndarray) -> str:
    """The medium, "photo" or "painting or drawing": a weak guess from noise and flat areas.

    Camera photos carry sensor noise and few perfectly smooth mid-tone areas; digital
    paintings, renders and cartoons are nearly noise-free with wide flat areas. Photographs
    of old paintings (craquelure, canvas) read as photos.

    Args:
        pixels: (H, W, 3) uint8 RGB.
    """
    grey = cv2.cvtColor(_shrink(pixels, MEDIUM_SIDE), cv2.COLOR_RGB2GRAY).astype(np.float32)
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    mid_tones = (grey > 30) & (grey < 225)
    if mid_tones.sum() < 100:
        return "photo"
    flat_share = float(((gradient < 8.0) & mid_tones).sum() / mid_tones.sum())
    # Noise sigma from a Laplacian-like kernel on the smoother half of the mid tones.
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = np.abs(cv2.filter2D(grey, -1, kernel))
    smooth = mid_tones & (gradient <= np.percentile(gradient[mid_tones], 50))
    noise = float(np.sqrt(np.pi / 2.0) * response[smooth].mean() / 6.0)
    if noise < PAINTING_MAX_NOISE and flat_share > PAINTING_MIN_FLAT:
        return "painting or drawing"
    # Fine texture: mean distance of each pixel from its blurred self on the smooth mid tones.
    fine = float(np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.0))[smooth].mean())
    edge_share = float((cv2.Canny(grey.astype(np.uint8), 50, 150) > 0).mean())
    if fine < SMOOTHED_MAX_FINE and flat_share > SMOOTHED_MIN_FLAT:
        return "painting or drawing"  # brushed or filtered: smooth areas with no grain at all
    if fine > SKETCH_MIN_FINE and edge_share > SKETCH_MIN_EDGES:
        return "painting or drawing"  # pencil or ink: strokes everywhere on a pale ground
    return "photo"


def background_colours(photo: Photo, faces: Sequence[Face]) -> tuple[str, ...]:
    """1-3 colour words covering most of the photo outside the people, most common first.

    The faces (with a margin) and the body below each face are left out; if that leaves
    under 15 % of the photo (a close-up), only the faces are left out.
    """
    small = _shrink(photo.pixels, 128)
    height, width = small.shape[:2]
    scale = width / photo.width
    outside_faces = np.ones((height, width), bool)
    outside_people = np.ones((height, width), bool)
    for face in faces:
        x0, y0 = face.box.x * scale, face.box.y * scale
        w, h = face.box.width * scale, face.box.height * scale
        outside_faces[
            max(int(y0 - 0.15 * h), 0) : int(y0 + 1.15 * h) + 1,
            max(int(x0 - 0.15 * w), 0) : int(x0 + 1.15 * w) + 1,
        ] = False
        outside_people[max(int(y0 - 0.3 * h), 0) :, max(int(x0 - w), 0) : int(x0 + 2 * w) + 1] = (
            False
        )
    mask = outside_people if outside_people.mean() >= 0.15 else outside_faces
    if not mask.any():
        mask = np.ones((height, width), bool)
    words = name_colours(small[mask].reshape(1, -1, 3))
    shares = np.bincount(words.ravel(), minlength=len(COLOUR_WORDS)) / words.size
    ranked = [int(i) for i in np.argsort(-shares, kind="stable")]
    named = [COLOUR_WORDS[i] for i in ranked[:3] if shares[i] >= BACKGROUND_MIN_SHARE]
    return tuple(named or [COLOUR_WORDS[ranked[0]]])


def name_colours(rgb: np.ndarray) -> np.ndarray:
    """Index into COLOUR_WORDS of each pixel of an (H, W, 3) uint8 RGB image, shape (H, W).

    Lab chroma (with HSV saturation for dark shades) tells grey from coloured; HSV hue picks
    the colour word; dark warm hues are brown and light, weakly saturated reds are pink.
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lightness = lab[..., 0] * (100.0 / 255.0)
    chroma = np.hypot(lab[..., 1] - 128.0, lab[..., 2] - 128.0)
    hue = hsv[..., 0] * 2.0
    saturation, value = hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    index = {word: i for i, word in enumerate(COLOUR_WORDS)}
    coloured = (chroma >= 8.0) | ((saturation >= 0.3) & (chroma >= 5.0))
    # Hue bands in degrees: red, orange, yellow, green, blue (with cyan), purple, then pink.
    hue_words = ("red", "orange", "yellow", "green", "blue", "purple")
    words = np.select(
        [(hue < 12) | (hue >= 345), hue < 40, hue < 70, hue < 165, hue < 265, hue < 320],
        [index[word] for word in hue_words],
        index["pink"],
    )
    warm = np.isin(words, [index["red"], index["orange"], index["yellow"]])
    words = np.where(warm & (value < 0.55), index["brown"], words)
    light_red = (words == index["red"]) & (value > 0.75) & (saturation < 0.5)
    words = np.where(light_red, index["pink"], words)
    greys = np.where(
        lightness > 85, index["white"], np.where(lightness < 20, index["black"], index["grey"])
    )
    words = np.where(coloured, words, greys)
    return np.where(value < 0.12, index["black"], words).astype(np.int64)
