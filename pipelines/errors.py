"""Exceptions the pipeline raises.

Every error carries a message a person can act on. The CLI prints it and exits non-zero; the web
app shows it as ``gr.Error``. Nothing in the pipeline raises a bare string or catches broadly.
"""

from __future__ import annotations

import re

# Terminal control sequences: CSI (colours such as ESC[1;31m, cursor moves), its 8-bit form,
# OSC (window titles, hyperlinks; ended by BEL or ESC backslash) and two-character escapes.
_TERMINAL_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
)


def strip_terminal_escapes(text: str) -> str:
    """Removes terminal colour and control sequences from text.

    Third-party tools colour their output when they think a terminal is watching (ffmpeg
    with ``AV_LOG_FORCE_COLOR``, llama.cpp, Coqui); shown in a browser or a log, the
    sequences read as stray ``[1;31m`` fragments.

    Args:
        text: Any string, e.g. a tool's error output.

    Returns:
        The text with every escape sequence removed; other characters are unchanged.
    """
    return _TERMINAL_ESCAPE.sub("", text)


class TalkingPhotoError(Exception):
    """Base class of every error the pipeline raises on purpose.

    Attributes:
        message: One plain-language sentence that says what went wrong and what to do. Text
            quoted from a third-party tool is kept, without its terminal colour sequences.
    """

    def __init__(self, message: str) -> None:
        message = strip_terminal_escapes(message)
        super().__init__(message)
        self.message = message


class BadInputError(TalkingPhotoError):
    """The photo, text or audio given cannot be used (unreadable, wrong kind, empty)."""


class NoFaceError(TalkingPhotoError):
    """No human face was found in the photo."""

    def __init__(
        self,
        message: str = (
            "No human face was found in this photo. Try a photo where a person's face is "
            "clearly visible, facing the camera, and not too small."
        ),
    ) -> None:
        super().__init__(message)


class LimitExceeded(TalkingPhotoError):
    """An input is over one of the configured limits (size, length, number of faces)."""


class BackendUnavailable(TalkingPhotoError):
    """A backend cannot run here: a package or its weights are missing.

    The message names what to install or where the weights are expected.
    """


class StageTimeout(TalkingPhotoError):
    """A stage took longer than the configured per-stage timeout."""


class Cancelled(TalkingPhotoError):
    """The caller asked the work to stop (a Cancel button, a closed page, Ctrl-C).

    Raised at the next stage boundary or frame after the caller's ``should_stop`` turned true;
    whatever was being written is removed.
    """

    def __init__(self, message: str = "Cancelled; nothing was kept.") -> None:
        super().__init__(message)
