"""Privacy: the default stack makes no network connection, and logs hold no user text or names.

Two levels of watching. In this process, Python's socket functions are replaced by ones that
refuse and record (quick, but blind to native libraries). Around a subprocess, ``strace -f``
records every connection and datagram the kernel sees from the process and all its threads:
Python, onnxruntime, llama.cpp and the C library's DNS lookups alike (``tests.network_trace``).
The web app is watched that way through a start, a render and an idle spell; so is the
command line. As root (CI) the strace checks must run; elsewhere they skip when strace is
missing.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pipelines import RenderRequest, Settings, TalkingPhotoPipeline
from pipelines.errors import BadInputError
from tests.launched_app import free_port, launched_app
from tests.network_trace import outbound, strace_command

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
#: Settings that would switch telemetry off from outside: removed, so the defaults are tested.
OUTSIDE_SWITCHES = (
    "GRADIO_ANALYTICS_ENABLED",
    "ORT_DISABLE_TELEMETRY",
    "HF_HUB_OFFLINE",
    "HF_HUB_DISABLE_TELEMETRY",
    "TRANSFORMERS_OFFLINE",
)


class NetworkAttempt(OSError):
    """Raised instead of opening a connection while the network is blocked."""


@pytest.fixture
def blocked_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Makes every Python-level connection and name lookup fail, and records the attempts."""
    attempts: list[str] = []

    def refuse(kind: str):
        def blocked(*args, **kwargs):
            attempts.append(f"{kind} {args[1:] if kind.startswith('socket.') else args}")
            raise NetworkAttempt(f"network blocked in this test: {kind}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
    monkeypatch.setattr(socket.socket, "sendmsg", refuse("socket.sendmsg"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    return attempts


def test_a_full_render_from_cold_opens_no_connection(
    blocked_network: list[str], examples: Path, tmp_path: Path
) -> None:
    # A fresh pipeline, so every model is loaded while the network is blocked, and no line is
    # given, so the dialogue model writes one.
    pipeline = TalkingPhotoPipeline(Settings(output_dir=tmp_path))
    result = pipeline.render(RenderRequest(examples / "two_people.jpg", mood="happy"))
    assert result.video.is_file() and result.video.stat().st_size > 10_000
    assert result.lines[0].text
    assert blocked_network == []


def _clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SWITCHES}
    return env | extra


def test_the_command_line_opens_no_connection_seen_by_the_kernel(
    examples: Path, tmp_path: Path
) -> None:
    log = tmp_path / "cli.strace"
    out = tmp_path / "offline.mp4"
    command = [*strace_command(log), sys.executable, "-m", "pipelines", "render"]
    command += [str(examples / "einstein_bw.jpg"), "-o", str(out)]  # the model writes the line
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=_clean_environment(),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.is_file() and out.stat().st_size > 10_000
    assert "says" in done.stdout
    assert outbound(log) == []


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 300.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the app exited while starting"
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the app did not answer within {seconds:.0f} s")


def test_the_web_app_opens_no_connection_through_a_start_and_a_render(
    examples: Path, tmp_path: Path
) -> None:
    from gradio_client import Client, handle_file

    log = tmp_path / "app.strace"
    port = free_port()
    env = _clean_environment(
        GRADIO_SERVER_PORT=str(port), TALKING_PHOTO_OUTPUTS=str(tmp_path / "outputs")
    )
    errors = (tmp_path / "app.stderr").open("w")
    app = subprocess.Popen(
        [*strace_command(log), sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        start_new_session=True,  # strace and the app in one group, stopped together below
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for(url, app)
        client = Client(url, verbose=False)
        # A visitor asks for the server-backed dialogue backend: nothing is contacted.
        names = {"faces": "mediapipe", "scene": "heuristic", "speech": "piper"}
        client.predict(dialogue="openai", animator="mesh-warp", **names, api_name="/backends")
        photo = handle_file(str(examples / "two_people.jpg"))
        video = client.predict(photo, "", None, "happy", api_name="/talk")  # a written line
        assert Path(video).stat().st_size > 10_000
        time.sleep(10)  # idle: onnxruntime's telemetry looked its host up every few seconds
    finally:
        # SIGINT to strace alone detaches it and leaves the traced app running (one orphaned
        # app.py per suite run): the whole group is stopped.
        os.killpg(app.pid, signal.SIGINT)
        try:
            app.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(30)
        errors.close()
    flagged = outbound(log, own_ports=(port,))
    assert flagged == [], "\n".join(flagged[:20])


def test_logs_hold_no_user_text_or_file_names_at_info(
    caplog: pytest.LogCaptureFixture, examples: Path, tmp_path: Path
) -> None:
    secret_word = "Zanzibarquux"
    secret_sentence = "你好世界。"  # the English voice skips it (and logs that it did)
    photo = tmp_path / "grandma-secret-photo.jpg"
    photo.write_bytes((examples / "einstein_bw.jpg").read_bytes())
    broken_audio = tmp_path / "private-voice-memo.m4a"
    broken_audio.write_bytes(b"\x00\x00\x00\x20ftypM4A " + os.urandom(3000))
    secrets = (secret_word, secret_sentence, "grandma", "private-voice-memo", str(tmp_path))

    with caplog.at_level(logging.INFO):
        pipeline = TalkingPhotoPipeline(Settings(output_dir=tmp_path / "out"))
        result = pipeline.render(
            RenderRequest(photo, text=f"Hello, I am {secret_word}. {secret_sentence}")
        )
        assert secret_word in result.lines[0].text
        with pytest.raises(BadInputError):
            pipeline.render(RenderRequest(photo, audio=broken_audio))

    assert caplog.records, "nothing was logged at INFO, so nothing was checked"
    for record in caplog.records:
        text = record.getMessage()
        for secret in secrets:
            assert secret not in text, f"{record.name} logged {secret!r}: {text}"


def test_the_app_logs_nothing_a_visitor_typed_or_uploaded(
    pipeline,
    examples: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from tests import raw_http

    secret = "Zanzibarquux"
    photo_file = tmp_path / f"{secret}-grandma.jpg"
    photo_file.write_bytes((examples / "einstein_bw.jpg").read_bytes())
    mark = {"_type": "gradio.FileData"}

    def render(photo: object, **changes: object) -> list[object]:
        values = {"photo": photo, "speaker": None, "text": f"Hello, I am {secret}.", "audio": None}
        values |= {"mood": "neutral", "rate": 1.0, "pitch": 0, "still": False, "seed": 0}
        values |= {"consent": True, "captions": False, "voice": "auto", "speech_lang": "auto"}
        return list((values | changes).values())

    with caplog.at_level(logging.INFO), launched_app(pipeline) as url:
        photo = raw_http.upload(url, photo_file)
        assert raw_http.call(url, "faces", [photo]).kind == "complete"
        assert raw_http.call(url, "render", render(photo)).kind == "complete"
        for hostile in (
            render(photo, seed=secret),
            render(photo, speaker=secret),
            render(photo, mood=secret),
            render(photo, rate=secret),
            render(f"/tmp/{secret}.jpg"),
            render({"path": f"/tmp/{secret}.jpg", "meta": mark}),
            render({"path": f"https://{secret}.example/a.jpg", "meta": mark}),
            render(photo, audio={"path": f"/tmp/{secret}.wav"}),
        ):
            assert raw_http.call(url, "render", hostile).kind != "complete"
        session = raw_http.Session(url)
        start = [photo, None, f"{secret} Smith", "neutral", True, None, None]
        chat_id = session.call("chat_start", start).data[0]
        question = f"Do you know {secret}? Say {secret}."
        asked = session.call("chat_ask", [chat_id, question, None, None])
        assert asked.kind == "complete", asked
        backends = ["mediapipe", "heuristic", secret, "piper", "mesh-warp", None]
        session.run("backends", backends)
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert records, "nothing was logged at INFO, so nothing was checked"
    for record in records:
        text = record.getMessage() + (caplog.text if record.exc_info else "")
        assert secret not in text, f"{record.name} logged it: {text}"
    printed = capfd.readouterr()
    assert secret not in printed.out and secret not in printed.err, printed.err[-3000:]
