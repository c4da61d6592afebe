"""Scene reading from pixel statistics, the faces found and OCR.

Everything here is a measurement or a plain rule on one; nothing is generated, so nothing is
invented. The facts: where each person is and how they look (with their clothes' colour),
colour / black-and-white / sepia, brightness, photo or painting (a weak guess), the main
background colours, leaves and trees around them, and any text in the photo (RapidOCR,
PP-OCRv4). Colour words come from ``colours``, the people's pixels and the background from
``regions`` (selfie segmentation); letterbox borders are left out of every measurement.
``scene_sentence`` renders them as one English sentence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

import cv2
import numpy as np

from pipelines.scene.colours import COLOUR_WORDS, name_colours
from pipelines.scene.ocr_filter import keep_text
from pipelines.scene.regions import (
    PersonSegmenter,
    background_colours,
    clothes_colour,
    content_box,
    load_segmenter,
    shrink,
    surroundings,
)
from pipelines.scene.sentence import scene_sentence
from pipelines.types import Face, PersonInScene, Photo, Scene

logger = logging.getLogger(__name__)

__all__ = [
    "COLOUR_WORDS",
    "HeuristicSceneReader",
    "background_colours",
    "clothes_colour",
    "guess_medium",
    "name_colours",
    "place_people",
    "read_brightness",
    "read_tone",
]

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

_OCR_WARNED = False
_OCR_WARN_LOCK = threading.Lock()


class HeuristicSceneReader:
    """Reads a photo's scene from pixel statistics, the faces and OCR.

    Args:
        read_text: Run OCR (RapidOCR) for text in the photo. When rapidocr_onnxruntime is not
            installed, a warning is logged once and no text is read.
        segment_people: Find the people's pixels with MediaPipe's selfie segmentation, for
            their clothes and the background; without it, boxes around the faces stand in.
    """

    name: ClassVar[str] = "heuristic"

    def __init__(self, read_text: bool = True, segment_people: bool = True) -> None:
        self._ocr: Any = None
        self._ocr_lock = threading.Lock()
        if read_text:
            self._ocr = _load_ocr()
        self._segmenter: PersonSegmenter | None = load_segmenter() if segment_people else None

    def describe(self, photo: Photo, faces: Sequence[Face]) -> Scene:
        """The scene of the photo, given the faces already found in it.

        Args:
            photo: The working photo, (H, W, 3) uint8 RGB.
            faces: Its faces, left to right.

        Returns:
            The scene; ``caption`` is always "" (no captioning model here).
        """
        left, top, right, bottom = content_box(photo.pixels)  # without letterbox borders
        small = shrink(np.ascontiguousarray(photo.pixels[top:bottom, left:right]), STATS_SIDE)
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
        person = None if self._segmenter is None else self._segmenter.mask(photo.pixels)
        people = place_people(photo, faces, person)
        tone = read_tone(lab)
        brightness = read_brightness(lab)
        medium = guess_medium(photo.pixels)
        background = background_colours(photo, faces, person)
        around = surroundings(photo, faces, person)
        text = self.read_text(photo.pixels)
        return Scene(
            people=people,
            tone=tone,
            brightness=brightness,
            medium=medium,
            background=background,
            text_in_photo=text,
            caption="",
            description=scene_sentence(people, tone, brightness, medium, background, text, around),
            surroundings=around,
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
        bgr = cv2.cvtColor(shrink(pixels, OCR_SIDE), cv2.COLOR_RGB2BGR)
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


def place_people(
    photo: Photo, faces: Sequence[Face], person: np.ndarray | None = None
) -> tuple[PersonInScene, ...]:
    """Position (thirds of the width), framing, expression and clothes colour of each face.

    Args:
        photo: The working photo.
        faces: Its faces.
        person: (H, W) bool mask of the people's pixels, or None.
    """
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
        clothes = clothes_colour(photo, face, person)
        people.append(PersonInScene(face.index, position, framing, face.expression.label, clothes))
    return tuple(people)


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
    grey = cv2.cvtColor(shrink(pixels, MEDIUM_SIDE), cv2.COLOR_RGB2GRAY).astype(np.float32)
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
