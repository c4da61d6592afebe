"""Contact sheets: a small PNG grid of frames of a rendered video, the time under each.

The frames are cropped to the speaking head (so the mouth is large enough to judge) and
reduced to a 256-colour palette, which keeps a sheet to a few hundred kilobytes: the sheets are
committed with the results.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from benchmarks.landmarks import FaceBox

logger = logging.getLogger(__name__)

#: Columns of the grid; rows follow from the number of frames.
COLUMNS = 6
#: Width and height of one frame cell, pixels (6 x 220 = 1320 px wide, under 1400).
CELL = 220
LABEL_HEIGHT = 22
TITLE_HEIGHT = 28


def head_crop(frame: np.ndarray, box: FaceBox, grow: float = 1.8) -> np.ndarray:
    """A square crop around the face: ``grow`` times the dlib box width, clipped to the frame.

    Args:
        frame: (H, W, 3) uint8 RGB.
        box: The dlib face box (eyebrows to chin) in pixels.
        grow: Crop side as a multiple of the box width.

    Returns:
        (h, w, 3) uint8 crop.
    """
    height, width = frame.shape[:2]
    cx, cy = box.center
    side = min(max(height, 1), max(width, 1), round(box.width * grow))
    left = int(np.clip(round(cx - side / 2), 0, width - side))
    top = int(np.clip(round(cy - side / 2 - 0.1 * box.width), 0, height - side))
    return frame[top : top + side, left : left + side]


def write_contact_sheet(
    frames: dict[int, np.ndarray],
    fps: float,
    box: FaceBox,
    path: Path,
    *,
    title: str,
    highlight: int | None = None,
) -> Path:
    """Writes a PNG grid of the frames, in time order, with "t = s.ss s" under each.

    Args:
        frames: Frame index -> (H, W, 3) uint8 RGB frame.
        fps: Frames per second (for the time labels).
        box: The speaking face's box, for the head crop.
        path: Where to write the PNG.
        title: A line written above the grid.
        highlight: Index of a frame to mark (the widest-open mouth).

    Returns:
        The path written.
    """
    from PIL import Image, ImageDraw

    from pipelines.video.watermark import load_font

    order = sorted(frames)
    rows = max(1, -(-len(order) // COLUMNS))
    sheet = Image.new(
        "RGB", (COLUMNS * CELL, TITLE_HEIGHT + rows * (CELL + LABEL_HEIGHT)), (255, 255, 255)
    )
    draw = ImageDraw.Draw(sheet)
    font = load_font(14)
    draw.text((6, 6), title, fill=(0, 0, 0), font=font)
    for slot, index in enumerate(order):
        crop = Image.fromarray(head_crop(frames[index], box)).resize(
            (CELL, CELL), Image.Resampling.LANCZOS
        )
        x = (slot % COLUMNS) * CELL
        y = TITLE_HEIGHT + (slot // COLUMNS) * (CELL + LABEL_HEIGHT)
        sheet.paste(crop, (x, y))
        label = f"t = {index / fps:.2f} s"
        colour = (0, 0, 0)
        if index == highlight:
            label += "  (widest mouth)"
            colour = (190, 0, 0)
            draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), outline=colour, width=3)
        draw.text((x + 6, y + CELL + 3), label, fill=colour, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    palette = sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    palette.save(path, optimize=True)
    logger.info("wrote %s (%d KB)", path, path.stat().st_size // 1024)
    return path
