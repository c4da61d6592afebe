"""Prepare frames for the encoder: pad odd sizes to even, burn in captions, draw the AI mark.

Captions are optional (``pipelines.video.captions``) and drawn first, so the mark stays on top. The
mark is rendered once (PIL, DejaVu Sans when installed, else Pillow's built-in font) into a small
RGBA overlay and alpha-blended into the bottom-right corner of each frame, touching only that
small region.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import ImageFont

    from pipelines.video.captions import CaptionTrack

logger = logging.getLogger(__name__)

_HEIGHT_FRACTION = 0.025  # font size relative to the frame height
_MIN_FONT_PX = 10
_OPACITY = 0.6


class FrameCanvas:
    """Turns caller frames into the even-sized, captioned, watermarked buffer sent to ffmpeg.

    The caller's arrays are never written to: when a frame needs padding, a caption or a mark it
    is copied into one reusable (H2, W2, 3) buffer (H2, W2 = H, W rounded up to even). Frames
    are counted as they are prepared, so they must come in playback order.

    Args:
        width: Frame width in pixels.
        height: Frame height in pixels.
        watermark: Text of the corner mark, or None for no mark.
        captions: The captions to burn in (drawn under the mark), or None.
    """

    def __init__(
        self,
        width: int,
        height: int,
        watermark: str | None,
        captions: CaptionTrack | None = None,
    ) -> None:
        self.width = width
        self.height = height
        self.pad_x = width % 2
        self.pad_y = height % 2
        self.mark = Watermark(watermark, width, height) if watermark else None
        self.captions = captions
        self.frames_prepared = 0
        self.buffer: np.ndarray | None = None
        if self.pad_x or self.pad_y or self.mark is not None or captions is not None:
            self.buffer = np.empty((height + self.pad_y, width + self.pad_x, 3), np.uint8)

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        """Returns a C-contiguous (H2, W2, 3) uint8 frame ready to send (valid until next call)."""
        index = self.frames_prepared
        self.frames_prepared += 1
        if self.buffer is None:
            return np.ascontiguousarray(frame)
        out = self.buffer
        out[: self.height, : self.width] = frame
        if self.pad_x:
            out[: self.height, self.width] = frame[:, -1]
        if self.pad_y:
            out[self.height] = out[self.height - 1]
        if self.captions is not None:
            self.captions.blend_into(out, index)
        if self.mark is not None:
            self.mark.blend_into(out)
        return out


class Watermark:
    """A text mark rendered once, then alpha-blended into the bottom-right corner of frames.

    Attributes:
        rgb: (h, w, 3) float32 colour of the overlay, 0..255.
        alpha: (h, w, 1) float32 opacity, 0..1.
        x: Left edge of the overlay in the frame, in pixels.
        y: Top edge of the overlay in the frame, in pixels.
    """

    def __init__(self, text: str, frame_width: int, frame_height: int) -> None:
        from PIL import Image, ImageDraw

        size = max(_MIN_FONT_PX, round(frame_height * _HEIGHT_FRACTION))
        font = load_font(size)
        stroke = max(1, size // 12)
        left, top, right, bottom = font.getbbox(text, stroke_width=stroke)
        overlay = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(overlay).text(
            (-left, -top),
            text,
            font=font,
            fill=(255, 255, 255, 255),
            stroke_width=stroke,
            stroke_fill=(0, 0, 0, 255),
        )
        rgba = np.asarray(overlay, dtype=np.float32)
        margin = max(3, round(frame_height * 0.015))
        # Crop the overlay (keeping its right end) if the frame is too small to hold it; in a
        # frame only a few pixels tall or wide nothing is left to draw.
        h = max(0, min(rgba.shape[0], frame_height - margin))
        w = max(0, min(rgba.shape[1], frame_width - margin))
        rgba = rgba[:h, rgba.shape[1] - w :]
        self.rgb = rgba[..., :3]
        self.alpha = rgba[..., 3:] / 255.0 * _OPACITY
        self.x = max(0, frame_width - margin - w)
        self.y = max(0, frame_height - margin - h)

    def blend_into(self, frame: np.ndarray) -> None:
        """Blends the mark into frame in place; frame is (H, W, 3) uint8."""
        h, w = self.alpha.shape[:2]
        region = frame[self.y : self.y + h, self.x : self.x + w]
        mixed = region * (1.0 - self.alpha) + self.rgb * self.alpha
        np.rint(mixed, out=mixed)
        region[...] = mixed.astype(np.uint8)


def load_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at ``size`` px if the system has it, else Pillow's built-in font."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        logger.debug("DejaVuSans.ttf not found; using Pillow's default font")
        return ImageFont.load_default(size=size)
