"""Exceptions the pipeline raises.

Every error carries a message a person can act on. The CLI prints it and exits non-zero; the web
app shows it as ``gr.Error``. Nothing in the pipeline raises a bare string or catches broadly.

An error is raised with a stable code from ``pipelines.errors.text.ERROR_TEXT`` and the values its
sentence needs (``BadInputError("text.empty")``, ``LimitExceeded("text.too_long", chars=812,
most=500)``). Its ``message`` is the English sentence (the CLI and the Python API show it);
``text("zh")`` renders the same error in Chinese from the same table, so the web app's 中文
interface never shows an English sentence. A plain sentence instead of a code still works (third
parties, plug-ins); such an error has ``code`` None, and the web app shows only a general
sentence of its kind in Chinese.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.errors.text import ERROR_TEXT, render_text

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
        code: The error's stable code, a key of ``ERROR_TEXT`` ("photo.too_small"), or None when
            it was raised with a plain sentence.
        params: The values its sentence names (numbers, names, quoted text); empty without a
            code.
        message: One plain-language English sentence that says what went wrong and what to do.
            Text quoted from a third-party tool is kept, without its terminal colour sequences.
    """

    def __init__(self, code_or_message: str, /, **params: Any) -> None:
        if code_or_message in ERROR_TEXT:
            self.code: str | None = code_or_message
            self.params: dict[str, Any] = params
            message = render_text(code_or_message, "en", params)
        else:
            if params:
                raise TypeError(f"unknown error code {code_or_message!r} given values")
            self.code, self.params = None, {}
            message = code_or_message
        message = strip_terminal_escapes(message)
        super().__init__(message)
        self.message = message

    def text(self, lang: str) -> str:
        """The error's sentence in a language ("en" or "zh"; others get English).

        Without a code the English message is returned whatever the language; the web app
        checks ``code`` first (``ui.feedback``).
        """
        if self.code is None:
            return self.message
        return strip_terminal_escapes(render_text(self.code, lang, self.params))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles by code and values (Ray sends errors between processes)."""
        if self.code is None:
            return (type(self), (self.message,))
        return (_rebuild, (type(self), self.code, self.params))


def _rebuild(cls: type[TalkingPhotoError], code: str, params: dict[str, Any]) -> Any:
    return cls(code, **params)


class BadInputError(TalkingPhotoError):
    """The photo, text or audio given cannot be used (unreadable, wrong kind, empty)."""


class NoFaceError(TalkingPhotoError):
    """No human face was found in the photo."""

    def __init__(self, code_or_message: str = "face.none", /, **params: Any) -> None:
        super().__init__(code_or_message, **params)


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

    def __init__(self, code_or_message: str = "cancelled", /, **params: Any) -> None:
        super().__init__(code_or_message, **params)
