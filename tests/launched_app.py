"""The web app on a free localhost port, and Chromium: for the app, API and browser tests."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Debian's Chromium (``apt-get install chromium``), which the browser tests drive.
CHROMIUM = Path("/usr/bin/chromium")
#: Headless, and quiet: no QUIC, background, update or sync connections of its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Largest screenshot kept as it is; larger ones are reduced to 256 colours.
SCREENSHOT_MAX_BYTES = 400_000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def launched_app(pipeline: Any, **build_options: Any) -> Iterator[str]:
    """Launches ``app.build_demo(pipeline, **build_options)`` in this process; yields its URL.

    Args:
        pipeline: The TalkingPhotoPipeline the app shares (the test session's, so models load
            once); its output folder holds the request folders.
        **build_options: More arguments of ``app.build_demo`` (e.g. ``queue_size``).

    Yields:
        The app's base URL, e.g. "http://127.0.0.1:40123/"; the server is closed afterwards.
    """
    import app

    demo = app.build_demo(pipeline, **build_options)
    port = free_port()
    demo.launch(
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=port,
        quiet=True,
        **app.launch_options(pipeline.settings.output_dir, pipeline.settings.limits),
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Chromium driven by Playwright, with a fresh, throw-away profile; closed afterwards.

    Yields:
        A Playwright ``Browser`` (``browser.new_page(viewport=...)`` opens a page).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def save_screenshot(page: Any, path: Path, full_page: bool = True) -> None:
    """A PNG of the page (or of the window), reduced to 256 colours when it would be too large."""
    from PIL import Image

    png = page.screenshot(full_page=full_page)
    if len(png) > SCREENSHOT_MAX_BYTES:
        image = Image.open(io.BytesIO(png)).convert("RGB")
        palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=0)
        buffer = io.BytesIO()
        palette.save(buffer, format="PNG", optimize=True)
        png = buffer.getvalue()
    path.write_bytes(png)
