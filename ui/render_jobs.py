"""Renders in fresh request folders, with progress, Cancel per browser session and clean-up.

Shared by the single-render and Group handlers: a render that fails or is cancelled leaves no
folder behind.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from pipelines import Cancelled
from pipelines.types import RenderResult
from ui.feedback import friendly_errors
from ui.folders import RequestFolders
from ui.strings import tr

logger = logging.getLogger(__name__)

#: A render given its request folder, a progress callback (stage, fraction) and a stop check.
RenderWork = Callable[[Path, Callable[[str, float], None], Callable[[], bool]], RenderResult]


class RenderJobs:
    """Runs renders in fresh request folders, with progress and a Cancel per browser session.

    Args:
        folders: Where each render writes its files.
    """

    def __init__(self, folders: RequestFolders) -> None:
        self.folders = folders
        self._cancel_flags: dict[str, threading.Event] = {}
        self._flags_lock = threading.Lock()

    def run(
        self,
        work: RenderWork,
        lang: str,
        request: gr.Request | None,
        progress: Callable[..., Any],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> RenderResult:
        """Runs ``work`` in a fresh request folder; the folder is removed if it fails.

        Args:
            work: Called with (request folder, progress callback, stop check); returns the
                result.
            lang: Interface language code, for the stage names and errors.
            request: The Gradio request (its session is the one Cancel stops).
            progress: Gradio's progress tracker.
            should_stop: True once the job was cancelled or its visitor left (``ui.cancel``);
                this session's Cancel button makes the check true as well.

        Raises:
            gr.Error: Any failure, in words a person can act on ("Cancelled." after Cancel).
        """
        session = getattr(request, "session_hash", None) or "anonymous"
        cancel_flag = threading.Event()
        with self._flags_lock:
            self._cancel_flags[session] = cancel_flag

        def stop() -> bool:
            return cancel_flag.is_set() or should_stop()

        def report(stage: str, fraction: float) -> None:
            if stop():
                raise Cancelled()
            progress(fraction, desc=tr(lang, f"stage_{stage}"))

        folder = self.folders.new()
        finished = False
        try:
            with friendly_errors(lang, "rendering"):
                result = work(folder, report, stop)
            finished = True
        finally:
            with self._flags_lock:
                if self._cancel_flags.get(session) is cancel_flag:
                    del self._cancel_flags[session]
            if not finished:
                shutil.rmtree(folder, ignore_errors=True)
        logger.info("rendered %.1f s of video for %d face(s)", result.duration, len(result.faces))
        return result

    def cancel(self, request: gr.Request | None = None) -> None:
        """Stops this session's render at its next progress report."""
        session = getattr(request, "session_hash", None) or "anonymous"
        with self._flags_lock:
            flag = self._cancel_flags.get(session)
        if flag is not None:
            flag.set()
            logger.info("render cancelled by the user")
