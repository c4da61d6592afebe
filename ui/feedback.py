"""How the web app answers: pipeline errors as friendly messages, warnings as toasts.

Every handler runs the pipeline inside ``friendly_errors``: a pipeline error becomes a
``gr.Error`` in the visitor's language, and anything unexpected becomes a plain "something went
wrong" while the server log gets its type and where it was raised — never a message or value,
which may quote what the visitor sent.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr

from pipelines import BackendUnavailable, TalkingPhotoError, TalkingPhotoPipeline
from pipelines.errors.text import Notice
from pipelines.types import RenderResult
from ui import inputs as check
from ui.backends_panel import PipelinePool
from ui.strings import LANGUAGES, tr

logger = logging.getLogger(__name__)


def user_error(lang: str, key: str, **values: Any) -> gr.Error:
    """A gr.Error showing the interface string ``key`` (no traceback in the server log)."""
    return check.refusal(lang, key, **values)


def error_sentence(error: TalkingPhotoError, lang: str) -> str:
    """What the visitor reads for a pipeline error, in the interface's language.

    A coded error is rendered from ``pipelines.errors.text`` in ``lang``. A backend that cannot
    run says so in plain words (its message names packages and server paths, for the server
    log). An error raised with a plain English sentence shows it in English; in Chinese it
    shows a general sentence of its kind, never the English one.
    """
    if error.code is not None:
        return error.text(lang)
    if isinstance(error, BackendUnavailable):
        logger.warning("a backend cannot run here: %s", error.message)
        return tr(lang, "error_BackendUnavailable")
    if lang == "en":
        return error.message
    logger.warning("a %s without a code was shown as its kind", type(error).__name__)
    key = next(
        f"error_{cls.__name__}"
        for cls in type(error).__mro__
        if f"error_{cls.__name__}" in LANGUAGES[lang] or cls is TalkingPhotoError
    )
    return tr(lang, key)


def _where(error: BaseException) -> str:
    """Where an error was raised, as "file.py:line in function" frames: no values, no message."""
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames))


@contextmanager
def friendly_errors(lang: str, action: str) -> Iterator[None]:
    """Turns any error into a gr.Error a person can act on; never shows a traceback.

    The server log gets the error's type and where it was raised, never its message or a
    traceback with values (they may quote what the visitor sent); DEBUG logging adds the full
    traceback.

    Args:
        lang: Interface language code ("en" or "zh").
        action: What was being done, for the server log only (no user data).
    """
    try:
        yield
    except gr.Error:
        raise
    except TalkingPhotoError as error:
        raise gr.Error(
            error_sentence(error, lang), title=tr(lang, "error_title"), print_exception=False
        ) from error
    # The app boundary, the one place a broad except belongs: log the bug for us, and show
    # the visitor a plain message instead of a traceback.
    except Exception as error:
        logger.error("unexpected %s while %s: %s", type(error).__name__, action, _where(error))
        logger.debug("the unexpected error in full", exc_info=True)
        raise user_error(lang, "error_internal") from None


def require_photo(photo: Any, lang: str, name: str = "photo") -> str:
    """The path of the photo this app received; a friendly error when there is none.

    Raises:
        gr.Error: No photo, or not a file this app received (``ui.inputs.uploaded_file``).
    """
    path = check.uploaded_file(photo, name, lang)
    if path is None:
        raise user_error(lang, "error_no_photo")
    return path


def pipeline_for(
    pool: PipelinePool, backends: Mapping[str, Any] | None, lang: str
) -> TalkingPhotoPipeline:
    """The pipeline of the visitor's backend choice; warns when the configured one serves it."""
    pipeline, honoured = pool.get(backends)
    if not honoured:
        gr.Warning(tr(lang, "warning_pool_full"), title=tr(lang, "warning_title"))
    return pipeline


def show_warnings(result: RenderResult, lang: str) -> None:
    """Shows the pipeline's warnings (fallbacks, templates, faces not animated)."""
    for warning in result.warnings:
        gr.Warning(notice_sentence(warning, lang), title=tr(lang, "warning_title"))


def notice_sentence(warning: str, lang: str) -> str:
    """A pipeline warning in the interface's language (``pipelines.errors.text.Notice``).

    A warning that is a plain English string (a plug-in's) is shown as it is in English and as
    a general sentence in Chinese.
    """
    if isinstance(warning, Notice):
        return warning.text(lang)
    if lang == "en":
        return warning
    logger.warning("a warning without a code was shown as a general note")
    return tr(lang, "warning_general")
