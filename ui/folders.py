"""Per-request output folders, their served file names, and their clean-up.

Each render writes into a folder of its own whose name carries 128 random bits; folders older
than the keep time are deleted by a background sweep.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

logger = logging.getLogger(__name__)

_REQUEST_FOLDER = re.compile(r"[0-9a-f]{32}")


def served_name(folder: Path, stem: str, suffix: str) -> str:
    """A file name that carries the request folder's 128 random bits: ``{stem}-{id}{suffix}``.

    Gradio copies a result into its cache under the file's own name (in a folder named by a
    hash of the content), so the name itself must hold the random part.
    """
    return f"{stem}-{folder.name}{suffix}"


def queue_size_from_env(default: int = 20) -> int:
    """How many requests may wait in the render queue, from TALKING_PHOTO_QUEUE_SIZE."""
    raw = os.environ.get("TALKING_PHOTO_QUEUE_SIZE", "")
    if raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    if raw.strip():
        logger.warning(
            "TALKING_PHOTO_QUEUE_SIZE=%r is not a whole number >= 1; using %d", raw, default
        )
    return default


def keep_seconds_from_env(default_minutes: float = 60.0) -> float:
    """How long outputs are kept, from TALKING_PHOTO_KEEP_MINUTES, in seconds."""
    raw = os.environ.get("TALKING_PHOTO_KEEP_MINUTES", "")
    try:
        minutes = float(raw) if raw.strip() else default_minutes
    except ValueError:
        logger.warning(
            "TALKING_PHOTO_KEEP_MINUTES=%r is not a number; keeping %.0f min", raw, default_minutes
        )
        minutes = default_minutes
    return max(1.0, minutes * 60.0)


class RequestFolders:
    """One private output folder per request, deleted in the background once old enough.

    Folders are named by 128 random bits (32 hex digits), and so is every file the app serves
    from them (``served_name``): Gradio serves a result to whoever has its link, so the link
    must not be guessable.

    Args:
        root: The folder that holds the request folders (created when missing).
        keep_seconds: Age, by last modification, after which a request folder is deleted.
        sweep_every: Seconds between two sweeps; None picks min(60 s, keep_seconds / 2).
    """

    def __init__(self, root: Path, keep_seconds: float, sweep_every: float | None = None) -> None:
        self.root = Path(root)
        self.keep_seconds = float(keep_seconds)
        self.sweep_every = sweep_every or max(1.0, min(60.0, self.keep_seconds / 2))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def new(self) -> Path:
        """Creates and returns a fresh folder named by 128 random bits (32 hex digits)."""
        folder = self.root / secrets.token_hex(16)
        folder.mkdir(parents=True)
        return folder

    def image_file(self, pixels: np.ndarray, stem: str) -> str:
        """Writes an image the app shows into a fresh folder; returns its path.

        Args:
            pixels: (H, W, 3) uint8 RGB image.
            stem: Start of the file name; the folder's random id is added to it.

        Returns:
            The path of a WebP file named ``{stem}-{128 random bits}.webp``.
        """
        folder = self.new()
        path = folder / served_name(folder, stem, ".webp")
        Image.fromarray(pixels).save(path, format="WEBP", quality=90)
        return str(path)

    def sweep(self, now: float | None = None) -> int:
        """Deletes request folders older than ``keep_seconds``; returns how many went.

        Only folders named like a request id are touched; anything else in ``root`` stays.
        """
        now = time.time() if now is None else now
        if not self.root.is_dir():
            return 0
        removed = 0
        for folder in self.root.iterdir():
            if not (_REQUEST_FOLDER.fullmatch(folder.name) and folder.is_dir()):
                continue
            try:
                if now - folder.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(folder)
                    removed += 1
            except OSError as error:  # deleted meanwhile, or not ours to delete: try next time
                logger.warning("could not delete an old output folder: %s", error.strerror)
        if removed:
            logger.info("deleted %d old output folder(s)", removed)
        return removed

    def start(self) -> None:
        """Starts the background sweeper (once; later calls do nothing)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="output-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the background sweeper."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.sweep_every):
            self.sweep()
