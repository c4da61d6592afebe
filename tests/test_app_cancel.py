"""Cancelling through the API, or leaving, stops the render on the server.

The real pipeline renders; only its animator is gated: each frame waits until the test lets it
through, so the test knows exactly how many frames were drawn after the job was cancelled,
whatever the machine's speed. The gate opens when the app logs that it is stopping the request
(or, on an app that never does, after GATE_SECONDS).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import raw_http
from tests.launched_app import launched_app

pytestmark = pytest.mark.slow

#: Longest wait, in seconds, for the app to say it stops a request before frames flow again.
GATE_SECONDS = 20.0
LINE = "Hello there, it is so good to see you again after all these years, my old friend."


class FrameGate:
    """Wraps an animator's ``render``: every frame waits at the gate; frames are counted."""

    def __init__(self, animator: Any) -> None:
        self._render = animator.render
        self.open = threading.Event()
        self.waiting = threading.Event()  # a frame is waiting at the gate
        self.drawn = 0
        self._lock = threading.Lock()

    def render(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        frames = self._render(*args, **kwargs)

        def gated() -> Iterator[Any]:
            for frame in frames:
                self.waiting.set()
                self.open.wait(GATE_SECONDS * 3)
                with self._lock:
                    self.drawn += 1
                yield frame

        return gated()


def rendering_threads() -> list[str]:
    """Threads whose stack is inside ``TalkingPhotoPipeline.render`` right now."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    busy = []
    for ident, frame in sys._current_frames().items():
        while frame is not None:
            code = frame.f_code
            if code.co_name == "render" and code.co_filename.endswith("pipeline.py"):
                busy.append(names.get(ident, str(ident)))
                break
            frame = frame.f_back
    return busy


class StopNotice(logging.Handler):
    """Opens the gate when the app says it stops a request."""

    def __init__(self, gate: FrameGate) -> None:
        super().__init__(logging.INFO)
        self.gate = gate
        self.notices: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "stopping" in record.getMessage():
            self.notices.append(record.getMessage())
            self.gate.open.set()


@pytest.fixture
def gate(pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[FrameGate]:
    animator = pipeline.backend("animator")
    frame_gate = FrameGate(animator)
    monkeypatch.setattr(animator, "render", frame_gate.render)
    notice = StopNotice(frame_gate)
    logger = logging.getLogger("ui.cancel")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(notice)
    yield frame_gate
    logger.removeHandler(notice)
    logger.setLevel(level)
    frame_gate.open.set()


def _open_after_notice_or_timeout(gate: FrameGate) -> None:
    """Frames flow again once the app said it stops (or after GATE_SECONDS without that)."""
    gate.open.wait(GATE_SECONDS)
    gate.open.set()


def _wait_until_idle(seconds: float = 180.0) -> None:
    """Waits (at most ``seconds``) until no thread is rendering."""
    deadline = time.monotonic() + seconds
    while rendering_threads() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_submit_and_cancel_cycles_leave_no_render_running(
    pipeline, gate: FrameGate, examples: Path
) -> None:
    from gradio_client import Client, handle_file

    after_cancel = []
    with launched_app(pipeline) as url:
        client = Client(url, verbose=False)
        photo = handle_file(str(examples / "smiling_woman_256.png"))
        for _ in range(3):
            gate.open.clear()
            gate.waiting.clear()
            job = client.submit(photo, LINE, None, "neutral", api_name="/talk")
            assert gate.waiting.wait(180), "the render never reached its first frame"
            drawn = gate.drawn
            canceller = threading.Thread(target=job.cancel)  # waits for the server's answer
            canceller.start()
            _open_after_notice_or_timeout(gate)
            canceller.join(120)
            _wait_until_idle()
            after_cancel.append(gate.drawn - drawn)
        assert rendering_threads() == [], "a render is still running after cancel"
        # The queue is free again: a render that is not cancelled completes.
        gate.open.set()
        video = client.predict(photo, "Hello.", None, "neutral", api_name="/talk")
        assert Path(video).stat().st_size > 10_000
    # Each cancelled render drew at most the frame that was waiting at the gate, not the
    # hundred or so frames of the line.
    assert all(n <= 1 for n in after_cancel), after_cancel


def test_a_visitor_who_closes_the_connection_stops_the_render(
    pipeline, gate: FrameGate, examples: Path
) -> None:
    with launched_app(pipeline) as url:
        photo = raw_http.upload(url, examples / "smiling_woman_256.png")
        session = raw_http.Session(url)
        body = {
            "data": [photo, LINE, None, "neutral", "auto", "auto", None],
            "fn_index": raw_http.fn_index(url, "talk"),
            "session_hash": session.session_hash,
        }
        joined = httpx.post(f"{url}gradio_api/queue/join", json=body, timeout=30)
        assert joined.status_code == 200, joined.text
        query = {"session_hash": session.session_hash}
        with httpx.stream("GET", f"{url}gradio_api/queue/data", params=query, timeout=30) as s:
            lines = s.iter_lines()
            next(lines)  # the stream is open
            assert gate.waiting.wait(180), "the render never reached its first frame"
            drawn = gate.drawn
        # The connection is closed: the visitor left.
        _open_after_notice_or_timeout(gate)
        _wait_until_idle()
    assert rendering_threads() == []
    assert gate.drawn - drawn <= 1, f"{gate.drawn - drawn} frames drawn after the visitor left"
