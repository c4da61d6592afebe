"""Write subtitle cues as an SRT file.

Each cue is shown as at most two lines of at most 42 characters (the usual broadcast limits), or
16 characters for Chinese, whose characters are twice as wide and say a syllable each. A longer
cue is split into several consecutive cues whose durations are proportional to their number of
characters, so the text still follows the speech; Chinese lines break after a pause mark
(，、；：) when one is near the end of the line.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Sequence
from pathlib import Path

from pipelines.text import detect_language
from pipelines.types import Cue

logger = logging.getLogger(__name__)

#: Most characters on one subtitle line.
MAX_LINE_CHARS = 42
#: Most characters on one line of Chinese subtitles.
MAX_CJK_LINE_CHARS = 16
#: Most lines shown at once.
MAX_LINES = 2
_PAUSE_MARKS = "，、；：,;:"


def write_srt(cues: Sequence[Cue], path: str | Path) -> Path:
    """Writes cues to an SRT file (UTF-8, LF line ends).

    Args:
        cues: Cues in playback order; times in seconds. Cues with blank text are skipped.
        path: Where to write. Missing parent folders are created.

    Returns:
        The path written. With no (non-blank) cues the file is written empty.
    """
    out_path = Path(path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(format_srt(cues), encoding="utf-8", newline="\n")
    logger.debug("Wrote %d cue(s) to %s", len(cues), out_path)
    return out_path


def format_srt(cues: Sequence[Cue]) -> str:
    """Renders cues as SRT text, splitting cues longer than two 42-character lines.

    Args:
        cues: Cues in playback order; times in seconds.

    Returns:
        The SRT document: blocks of index (from 1), ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, the text
        lines and a blank line. "" when there is nothing to show.
    """
    blocks: list[str] = []
    for cue in cues:
        for lines, start, end in split_cue(cue):
            index = len(blocks) + 1
            text = "\n".join(lines)
            blocks.append(
                f"{index}\n{format_timestamp(start)} --> {format_timestamp(end)}\n{text}\n"
            )
    return "\n".join(blocks)


def split_cue(
    cue: Cue, max_chars: int | None = None, max_lines: int = MAX_LINES
) -> list[tuple[list[str], float, float]]:
    """Wraps a cue's text and splits it into pieces that fit on screen.

    Args:
        cue: The cue; whitespace (including newlines) in its text is collapsed.
        max_chars: Most characters per line (longer words are broken); None: MAX_LINE_CHARS,
            or MAX_CJK_LINE_CHARS for Chinese text.
        max_lines: Most lines per piece.

    Returns:
        (lines, start, end) per piece, in order, times in seconds. Piece durations are
        proportional to their character counts and together span the cue exactly. Empty when
        the text is blank.
    """
    text = " ".join(cue.text.split())
    if detect_language(text) == "zh":
        lines = wrap_chinese(text, max_chars or MAX_CJK_LINE_CHARS)
    else:
        lines = textwrap.wrap(
            text, width=max_chars or MAX_LINE_CHARS, break_long_words=True, break_on_hyphens=False
        )
    if not lines:
        return []
    start = max(0.0, float(cue.start))
    end = max(start, float(cue.end))
    groups = [lines[i : i + max_lines] for i in range(0, len(lines), max_lines)]
    weights = [sum(len(line) for line in group) for group in groups]
    total = float(sum(weights))
    pieces: list[tuple[list[str], float, float]] = []
    done = 0
    for group, weight in zip(groups, weights, strict=True):
        piece_start = start + (end - start) * done / total
        done += weight
        piece_end = start + (end - start) * done / total
        pieces.append((group, piece_start, piece_end))
    return pieces


def wrap_chinese(text: str, width: int) -> list[str]:
    """Chinese text in lines of at most ``width`` characters.

    A line ends after the last pause mark (，、；：) in its second half when there is one,
    else at ``width`` characters; closing punctuation never starts a line (it hangs at the
    end of the one before).
    """
    lines: list[str] = []
    rest = text.strip()
    while len(rest) > width:
        cut = max((i + 1 for i, ch in enumerate(rest[:width]) if ch in _PAUSE_MARKS), default=0)
        if cut <= width // 2:
            cut = width
            while cut < len(rest) and rest[cut] in "，。！？、；：”）》,.!?;:)":
                cut += 1  # the mark hangs at the end of the line, with its character
        lines.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        lines.append(rest)
    return lines


def format_timestamp(seconds: float) -> str:
    """Formats seconds as an SRT timestamp ``HH:MM:SS,mmm`` (negative times become 0)."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"
