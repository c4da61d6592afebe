"""Exceptions the pipeline raises.

Every error carries a message a person can act on. The CLI prints it and exits non-zero; the web
app shows it as ``gr.Error``. Nothing in the pipeline raises a bare string or catches broadly.
"""

from __future__ import annotations


class TalkingPhotoError(Exception):
    """Base class of every error the pipeline raises on purpose.

    Attributes:
        message: One plain-language sentence that says what went wrong and what to do.
    """

    def __init__(self, message: str) -> None:
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
