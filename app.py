"""Talking Photo web app: ``python app.py`` and open http://127.0.0.1:7860.

This file only builds the Blocks (``ui.build_demo``) around one pipeline and launches them, as
a Hugging Face Space runs it; the tabs, their handlers and the session stores are in the
``ui`` package beside it. ``from app import demo`` gives the app.

What a public app needs (``docs/security.md``): Gradio's analytics are off and the app opens no
network connection; uploads over the upload limit are refused at the door (``max_file_size``),
and so are oversized or foreign request bodies (``ui/http_guard.py``); every parameter is
checked once, at the edge (``ui/inputs.py``); a cancelled or abandoned request stops its render
(``ui/cancel.py``); results are served under names that carry 128 random bits, and a chat
answers only the Gradio session that started it.

Environment:
    TALKING_PHOTO_OUTPUTS: Folder that holds one output folder per request (default ./outputs).
    TALKING_PHOTO_KEEP_MINUTES: Minutes outputs and uploads are kept before deletion (default 60).
    TALKING_PHOTO_QUEUE_SIZE: Requests that may wait for a render before "busy" (default 20).
    TALKING_PHOTO_RAY_SERVE: URL of a render service (``talking-photo serve``); when set, the
        One person renders go there instead of this process (README, More than one machine).
    TALKING_PHOTO_RAY_SERVE_CONCURRENCY: Renders sent to that service at once (default 4).
    GRADIO_SERVER_NAME, GRADIO_SERVER_PORT: Where ``python app.py`` listens.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from pipelines import Limits, Settings, TalkingPhotoPipeline
from ui import build_demo
from ui.blocks import launch_options as _launch_options

ROOT = Path(__file__).resolve().parent
OUTPUT_DIR = Path(os.environ.get("TALKING_PHOTO_OUTPUTS", ROOT / "outputs")).resolve()


def launch_options(output_dir: Path = OUTPUT_DIR, limits: Limits | None = None) -> dict[str, Any]:
    """What ``demo.launch`` takes for this app (see ``ui.blocks.launch_options``)."""
    return _launch_options(output_dir, limits)


PIPELINE = TalkingPhotoPipeline(Settings(output_dir=OUTPUT_DIR))
demo = build_demo(PIPELINE)


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HTTP request otherwise
    # Load every model in the background so the first visitor does not wait for it.
    threading.Thread(target=PIPELINE.warm_up, name="warm-up", daemon=True).start()
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_options(OUTPUT_DIR, PIPELINE.settings.limits),
    )
