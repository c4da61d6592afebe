"""Burned-in captions: the subtitle cue being spoken, drawn at the bottom centre of each frame.

Cues are split exactly as the SRT splits them (``pipelines.video.subtitles.split_cue``), so the text
in the picture and the SRT agree in words and timing. Each distinct caption is laid out and drawn
once with PIL into an RGBA overlay (white text with a dark outline on a translucent dark band,
wrapped to the frame width, its size proportional to the frame height); every frame then only
alpha-blends that overlay, in integer arithmetic, over the band's pixels.

The font draws Chinese when one that does is installed (Noto Sans CJK from Debian's
``fonts-noto-cjk``, found with ``fc-match`` or at the usual paths), else DejaVu Sans, else
Pillow's built-in font.
"""

from __future__ import annotations

import bisect
import functools
import logging
import math
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipelines.types import Cue
from pipelines.video.subtitles import split_cue

if TYPE_CHECKING:
    from PIL import ImageFont

    Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

logger = logging.getLogger(__name__)

_FONT_HEIGHT_FRACTION = 0.05  # font size relative to the frame height
_MIN_FONT_PX = 10
_MAX_LINES = 3  # a caption needing more lines is drawn smaller (down to _MIN_FONT_PX)
_SHRINK = 0.85  # font size factor per attempt to fit _MAX_LINES
_SIDE_MARGIN_FRACTION = 0.05  # of the frame width, on each side of the band
_BOTTOM_FRACTION = 0.06  # band bottom above the frame bottom: clears the AI-generated mark
_BAND_OPACITY = 0.5
_CJK_PROBE = "你好中文字幕"
#: A private-use code point no font draws: what a missing glyph looks like in a font.
_NO_GLYPH = "\U0010fffd"

# Characters laid out one by one (no spaces between words): CJK, kana, hangul, full-width forms.
_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
_WIDE_CHAR = re.compile(rf"[{_WIDE}]")
#: Wide punctuation that must not start a line: it stays at the end of the line before.
_NO_BREAK_BEFORE = frozenset("，。、；：！？）》」』】〉〕”’…・ー")


@dataclass(frozen=True)
class FontFile:
    """A font file and the face inside it (collections such as .ttc hold several)."""

    path: str
    index: int = 0


#: Fonts that draw Chinese, where distributions install them (index 2 of Noto's collection is SC).
KNOWN_CJK_FONTS: tuple[FontFile, ...] = (
    FontFile("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Debian, Ubuntu
    FontFile("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),  # Arch
    FontFile("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),  # Fedora
    FontFile("/System/Library/Fonts/PingFang.ttc", 0),  # macOS
    FontFile("C:/Windows/Fonts/msyh.ttc", 0),  # Windows
)


# --------------------------------------------------------------------- fonts
@functools.lru_cache(maxsize=1)
def caption_font_file() -> FontFile | None:
    """The font captions are drawn in, looked up once per process.

    Returns:
        The first font that draws Chinese (``fc-match``'s choice for zh-cn, then
        ``KNOWN_CJK_FONTS``), else DejaVu Sans, else None for Pillow's built-in font.
    """
    from PIL import ImageFont

    for candidate in (*_fc_match_cjk(), *KNOWN_CJK_FONTS):
        if not Path(candidate.path).is_file():
            continue
        try:
            font = ImageFont.truetype(candidate.path, 24, index=candidate.index)
        except OSError:
            continue
        if font_covers(font, _CJK_PROBE):
            logger.debug("Captions use %s (face %d)", candidate.path, candidate.index)
            return candidate
    try:
        ImageFont.truetype("DejaVuSans.ttf", 24)
    except OSError:
        logger.warning("No font for captions found; using Pillow's built-in font")
        return None
    logger.warning(
        "No font that draws Chinese was found (install fonts-noto-cjk); captions use DejaVu Sans"
    )
    return FontFile("DejaVuSans.ttf")


def _fc_match_cjk() -> list[FontFile]:
    """The sans-serif font fontconfig picks for simplified Chinese (if it is installed)."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}", "sans-serif:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    path, _, index = found.stdout.partition("\n")
    if not path.strip():
        return []
    return [FontFile(path.strip(), int(index) if index.strip().isdigit() else 0)]


@functools.lru_cache(maxsize=16)
def load_caption_font(size: int) -> Font:
    """The caption font (see ``caption_font_file``) at ``size`` px."""
    from PIL import ImageFont

    found = caption_font_file()
    if found is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(found.path, size, index=found.index)


def font_covers(font: Font, text: str) -> bool:
    """Whether the font draws every visible character of text (none is its missing glyph)."""
    missing = _glyph_pixels(font, _NO_GLYPH)
    return all(_glyph_pixels(font, char) != missing for char in set(text) if not char.isspace())


def _glyph_pixels(font: Font, char: str) -> tuple[tuple[int, int], bytes]:
    """The size and bytes of the 8-bit mask PIL draws for one character."""
    mask = font.getmask(char, mode="L")
    return tuple(mask.size), bytes(mask)  # type: ignore[call-overload]


# --------------------------------------------------------------------- layout
def wrap_to_width(text: str, font: Font, max_width: float) -> list[str]:
    """Breaks text into lines no wider than ``max_width`` pixels in ``font``.

    Lines break at spaces and between Chinese (or other wide) characters, never before wide
    closing punctuation; a word wider than a whole line is broken between its characters.

    Args:
        text: The caption; runs of whitespace count as one space.
        font: The font it is drawn in.
        max_width: Widest line, in pixels.

    Returns:
        The lines, in order; [] for blank text.
    """
    lines: list[str] = []
    line = ""
    gap = ""
    for token in _TOKEN.findall(text):
        if token.isspace():
            gap = " " if line else ""
            continue
        candidate = f"{line}{gap}{token}"
        gap = ""
        if line and (token in _NO_BREAK_BEFORE or font.getlength(candidate) <= max_width):
            line = candidate
            continue
        if line:
            lines.append(line)
        line = token
        while font.getlength(line) > max_width and len(line) > 1:  # a word wider than a line
            head = _longest_fitting_prefix(line, font, max_width)
            lines.append(head)
            line = line[len(head) :].lstrip()
    if line:
        lines.append(line)
    return lines


def _longest_fitting_prefix(text: str, font: Font, max_width: float) -> str:
    """The longest start of text (at least one character) no wider than max_width."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle]) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def join_srt_lines(lines: Sequence[str]) -> str:
    """Joins the lines of one SRT piece back into running text.

    A line break between two wide characters (Chinese has no spaces) is joined with nothing,
    any other with a space.
    """
    text = ""
    for line in lines:
        wide_join = bool(text) and _WIDE_CHAR.fullmatch(text[-1]) and _WIDE_CHAR.match(line)
        text = f"{text}{line}" if wide_join or not text else f"{text} {line}"
    return text


# --------------------------------------------------------------------- drawing
@dataclass(frozen=True)
class CaptionOverlay:
    """One caption drawn, ready to blend: out = (frame * inverse + premultiplied) / 255.

    Attributes:
        premultiplied: (h, w, 3) uint16, colour * alpha + 128 (the 128 rounds the division).
        inverse: (h, w, 1) uint16, 255 - alpha.
        x: Left edge in the frame, pixels.
        y: Top edge in the frame, pixels.
    """

    premultiplied: np.ndarray
    inverse: np.ndarray
    x: int
    y: int

    def blend_into(self, frame: np.ndarray) -> None:
        """Blends the caption into frame in place; frame is (H, W, 3) uint8."""
        h, w = self.inverse.shape[:2]
        region = frame[self.y : self.y + h, self.x : self.x + w]
        mixed = region.astype(np.uint16)
        mixed *= self.inverse
        mixed += self.premultiplied
        mixed += mixed >> 8  # with the 128 added before: exact rounding of x / 255
        mixed >>= 8
        region[...] = mixed


def draw_caption(text: str, frame_width: int, frame_height: int) -> CaptionOverlay | None:
    """Lays out and draws one caption for frames of the given size.

    Args:
        text: The caption.
        frame_width: Frame width in pixels.
        frame_height: Frame height in pixels.

    Returns:
        The overlay, cropped to the frame; None when nothing would show (blank text, or a
        frame too small to hold any of it).
    """
    from PIL import Image, ImageDraw

    size = max(_MIN_FONT_PX, round(frame_height * _FONT_HEIGHT_FRACTION))
    while True:
        font = load_caption_font(size)
        stroke = max(1, round(size / 14))
        pad_x, pad_y = round(size * 0.4), round(size * 0.2)
        usable = frame_width * (1 - 2 * _SIDE_MARGIN_FRACTION) - 2 * (pad_x + stroke)
        lines = wrap_to_width(text, font, max(1.0, usable))
        if len(lines) <= _MAX_LINES or size <= _MIN_FONT_PX:
            break
        size = max(_MIN_FONT_PX, int(size * _SHRINK))
    if not lines:
        return None
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + 2 * stroke
    spacing = round(size * 0.1)
    widths = [font.getlength(line) for line in lines]
    box_w = math.ceil(max(widths)) + 2 * (pad_x + stroke)
    box_h = len(lines) * line_height + (len(lines) - 1) * spacing + 2 * pad_y
    band = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    ImageDraw.Draw(band).rounded_rectangle(
        (0, 0, box_w - 1, box_h - 1),
        radius=max(1, round(size * 0.3)),
        fill=(0, 0, 0, round(255 * _BAND_OPACITY)),
    )
    words = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(words)
    for row, (line, width) in enumerate(zip(lines, widths, strict=True)):
        draw.text(
            ((box_w - width) / 2, pad_y + stroke + row * (line_height + spacing)),
            line,
            font=font,
            fill=(255, 255, 255, 255),
            stroke_width=stroke,
            stroke_fill=(0, 0, 0, 255),
        )
    rgba = np.asarray(Image.alpha_composite(band, words), dtype=np.uint16)
    return _placed(rgba, frame_width, frame_height)


def _placed(rgba: np.ndarray, frame_width: int, frame_height: int) -> CaptionOverlay | None:
    """Centres the (h, w, 4) overlay above the bottom margin, cropped to the frame."""
    bottom = frame_height - round(frame_height * _BOTTOM_FRACTION)
    h, w = rgba.shape[:2]
    left = (frame_width - w) // 2
    top = bottom - h
    crop_left, crop_top = max(0, -left), max(0, -top)
    rgba = rgba[crop_top:, crop_left : crop_left + frame_width]
    if rgba.size == 0 or bottom <= 0:
        return None
    alpha = rgba[..., 3:]
    return CaptionOverlay(
        premultiplied=rgba[..., :3] * alpha + 128,
        inverse=255 - alpha,
        x=max(0, left),
        y=max(0, top),
    )


class CaptionTrack:
    """The captions of a video: which one shows in each frame, each drawn once.

    Args:
        cues: Subtitle cues in playback order, times in seconds (a conversation's cues carry
            the speaker, "Person 1: ..."); split like the SRT.
        fps: Frames per second of the video.
        width: Frame width in pixels.
        height: Frame height in pixels.
    """

    def __init__(self, cues: Sequence[Cue], fps: int, width: int, height: int) -> None:
        pieces = [
            (start, end, join_srt_lines(lines))
            for cue in cues
            for lines, start, end in split_cue(cue)
        ]
        pieces.sort(key=lambda piece: piece[0])
        self.starts = [start for start, _, _ in pieces]
        self.ends = [end for _, end, _ in pieces]
        self.texts = [text for _, _, text in pieces]
        self.fps = fps
        self.width = width
        self.height = height
        self._overlays: dict[str, CaptionOverlay | None] = {}

    def text_at(self, seconds: float) -> str | None:
        """The caption shown at a time (a cue shows from its start until just before its end)."""
        index = bisect.bisect_right(self.starts, seconds) - 1
        if index < 0 or seconds >= self.ends[index]:
            return None
        return self.texts[index]

    def overlay(self, text: str) -> CaptionOverlay | None:
        """The drawn caption, drawn on first use and kept."""
        if text not in self._overlays:
            self._overlays[text] = draw_caption(text, self.width, self.height)
        return self._overlays[text]

    def blend_into(self, frame: np.ndarray, index: int) -> None:
        """Draws frame ``index``'s caption (the one spoken at index / fps s) into the frame.

        Args:
            frame: (H, W, 3) uint8, changed in place; at least ``height`` x ``width``.
            index: The frame's number from 0.
        """
        text = self.text_at(index / self.fps)
        if text is None:
            return
        drawn = self.overlay(text)
        if drawn is not None:
            drawn.blend_into(frame)
