"""Privacy: the default stack makes no network connection, and logs hold no user text or names."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import RenderRequest, Settings, TalkingPhotoPipeline
from pipelines.errors import BadInputError

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


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


def _unshare_prefix() -> list[str] | None:
    """``unshare`` arguments that give a process no network, or None when not permitted."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for flags in (["-n"], ["-rn"]):
        probe = subprocess.run([unshare, *flags, "true"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return [unshare, *flags]
    return None


def test_the_command_line_renders_inside_a_network_namespace_with_no_network(
    examples: Path, tmp_path: Path
) -> None:
    prefix = _unshare_prefix()
    if prefix is None:
        pytest.skip("unshare cannot create a network namespace here (needs root or userns)")
    out = tmp_path / "offline.mp4"
    command = [*prefix, sys.executable, "-m", "pipelines", "render"]
    command += [str(examples / "einstein_bw.jpg"), "-o", str(out)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.is_file() and out.stat().st_size > 10_000
    assert "says" in done.stdout


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
