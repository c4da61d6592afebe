"""Close-ups of the mouth and eyes, and how well the drawn mouth matches the photo's finish.

A contact sheet at thumbnail size hides what a viewer sees at full size. For every benchmark
photo this writes one small JPEG (``closeup_<photo>.jpg``): the mouth at its widest-open
frame and the eyes while closing and at the deepest point of a blink, each crop enlarged 2x
(pixels doubled, nothing smoothed), taken from the decoded video.

``finish_match`` compares the inside of the open mouth with the face's skin in the same frame,
independently of how the renderer estimates them (it uses dlib's landmarks, not the mesh):

* grain: the noise level of each region, from the median absolute response to the 3x3
  second-difference kernel [[1,-2,1],[-2,4,-2],[1,-2,1]] (white noise of sigma s gives 6 s);
* sharpness: the share of fine detail in each region's detail, mean |I - G(0.7)| over
  mean |I - G(2.5)| (I the luminance, G a Gaussian blur of that sigma in pixels): a crisp
  drawing scores high, a blurred photo low.

Each is given as mouth / face; 1 is a perfect match.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: dlib 68-point indices: the inner lips (the open mouth), and each cheek between the eye,
#: the nose, the mouth's corner and the jaw.
INNER_MOUTH = tuple(range(60, 68))
CHEEKS = ((1, 2, 3, 48, 31, 40, 41, 36), (15, 14, 13, 54, 35, 47, 46, 45))
#: Crop size around the mouth and the eyes, in inter-ocular distances, before the 2x zoom.
MOUTH_CROP = (1.2, 0.8)
EYES_CROP = (2.0, 0.55)
#: Height of each close-up row, pixels (after the zoom, capped).
ROW_HEIGHT = 240


def _polygon_mask(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def _grain(grey: np.ndarray, mask: np.ndarray) -> float:
    import cv2

    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = np.abs(cv2.filter2D(grey, -1, kernel))
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    values = response[inner]
    return float(1.4826 * np.median(values) / 6.0) if values.size >= 16 else math.nan


def _sharpness(grey: np.ndarray, mask: np.ndarray) -> float:
    import cv2

    fine = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 0.7))
    coarse = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 2.5))
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if inner.sum() < 16:
        return math.nan
    return float(fine[inner].mean() / max(float(coarse[inner].mean()), 1e-6))


def finish_match(frame: np.ndarray, points: np.ndarray) -> dict[str, float]:
    """Grain and sharpness of the open mouth's inside over those of the cheeks.

    Args:
        frame: (H, W, 3) uint8 RGB, the frame with the widest-open mouth.
        points: (68, 2) dlib landmarks of the speaking face in that frame.

    Returns:
        {"mouth_grain_ratio", "mouth_sharpness_ratio"}: mouth / face, NaN when the mouth's
        inside is too small to measure (under 16 pixels).
    """
    grey = frame.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    shape = grey.shape
    mouth = _polygon_mask(shape, points[list(INNER_MOUTH)])
    face = np.zeros(shape, bool)
    for cheek in CHEEKS:
        face |= _polygon_mask(shape, points[list(cheek)])
    ratios = {}
    for key, measure in (("mouth_grain_ratio", _grain), ("mouth_sharpness_ratio", _sharpness)):
        inside, outside = measure(grey, mouth), measure(grey, face)
        ratios[key] = round(inside / outside, 3) if outside > 0 else math.nan
    return ratios


def _crop(frame: np.ndarray, center: np.ndarray, size: tuple[float, float], iod: float):
    """A (h, w, 3) crop around a point, ``size`` inter-ocular distances, within the frame."""
    height, width = frame.shape[:2]
    half_w, half_h = size[0] * iod / 2.0, size[1] * iod / 2.0
    x0, x1 = int(max(center[0] - half_w, 0)), int(min(center[0] + half_w, width))
    y0, y1 = int(max(center[1] - half_h, 0)), int(min(center[1] + half_h, height))
    return frame[y0:y1, x0:x1]


def write_closeups(
    path: Path,
    title: str,
    widest: tuple[np.ndarray, np.ndarray],
    blink: list[tuple[np.ndarray, np.ndarray]],
) -> Path:
    """Writes the close-up sheet: the mouth at its widest, the eyes closing and closed.

    Args:
        path: The JPEG to write.
        title: A line written above the crops.
        widest: (frame, (68, 2) landmarks) of the widest-open mouth.
        blink: (frame, landmarks) of the frames while closing and at the deepest blink.

    Returns:
        The path written.
    """
    from PIL import Image, ImageDraw

    from pipelines.video.watermark import load_font

    def zoomed(crop: np.ndarray) -> Image.Image:
        image = Image.fromarray(np.ascontiguousarray(crop))
        image = image.resize((2 * image.width, 2 * image.height), Image.Resampling.NEAREST)
        if image.height > ROW_HEIGHT:  # a large photo: show it smaller, not cropped
            ratio = ROW_HEIGHT / image.height
            size = (max(1, round(image.width * ratio)), ROW_HEIGHT)
            image = image.resize(size, Image.Resampling.LANCZOS)
        return image

    tiles: list[tuple[str, Image.Image]] = []
    frame, points = widest
    iod = float(np.linalg.norm(points[36:42].mean(axis=0) - points[42:48].mean(axis=0)))
    mouth = _crop(frame, points[48:68].mean(axis=0), MOUTH_CROP, iod)
    tiles.append(("mouth at its widest", zoomed(mouth)))
    for label, (frame, points) in zip(("eyes closing", "eyes closed"), blink, strict=False):
        eyes = _crop(frame, points[36:48].mean(axis=0), EYES_CROP, iod)
        tiles.append((label, zoomed(eyes)))
    width = max(sum(tile.width for _, tile in tiles) + 8 * (len(tiles) + 1), 16 + 7 * len(title))
    height = max(tile.height for _, tile in tiles) + 56
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = load_font(13)
    draw.text((8, 6), title, fill=(0, 0, 0), font=font)
    x = 8
    for label, tile in tiles:
        sheet.paste(tile, (x, 28))
        draw.text((x, 32 + tile.height), label, fill=(0, 0, 0), font=font)
        x += tile.width + 8
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, quality=85, optimize=True)
    logger.info("wrote %s (%d KB)", path, path.stat().st_size // 1024)
    return path
