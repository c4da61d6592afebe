"""The command line on a full disk and under Ctrl-C / SIGTERM: one line, a clean exit, no debris.

Each test runs ``python -m pipelines render`` as a subprocess, as a user runs it, and looks at
the output folder afterwards: a run that did not finish leaves no file at all (no MP4 without
its WAV, no hidden ``.part.mp4`` or ``.audio.wav``).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
LINE = "Hello there, it is so good to see you again after all these years, my old friend."


def _render_command(photo: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "pipelines", "render", str(photo), "--say", LINE, "-o", str(out)]


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr and "terminate called" not in stderr
    return lines[0]


def _limit_file_size() -> None:
    """In the child: files may not grow past 200 kB (EFBIG, as a full disk gives ENOSPC)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_a_file_size_limit_gives_one_sentence_and_exit_code_1(
    examples: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    done = subprocess.run(
        _render_command(examples / "einstein_bw.jpg", folder / "talk.mp4"),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        preexec_fn=_limit_file_size,  # only sets a limit in the child, before exec
        check=False,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    line = _one_line(done.stderr)
    assert line.startswith("talking-photo: could not write the") and "too large" in line, line
    assert _left_in(folder) == []


def _tiny_disk_prefix(mount_point: Path) -> list[str] | None:
    """A prefix that runs a command with a 300 kB tmpfs at ``mount_point``, or None.

    The tmpfs lives in a private mount namespace, so only the command sees it; after the
    command, the shell prints "LEFT:" and what is still on it.
    """
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        return None
    probe = subprocess.run([unshare, "-m", "true"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        return None
    script = (
        f"mount -t tmpfs -o size=300k tmpfs {mount_point} || exit 99; "
        f'"$@"; code=$?; echo "LEFT:$(ls -A {mount_point} | tr "\\n" " ")"; exit $code'
    )
    return [unshare, "-m", "sh", "-c", script, "sh"]


def test_a_full_disk_gives_one_sentence_and_exit_code_1(examples: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    prefix = _tiny_disk_prefix(disk)
    if prefix is None:
        pytest.skip("mounting a small tmpfs needs root and a private mount namespace")
    command = [*prefix, *_render_command(examples / "einstein_bw.jpg", disk / "talk.mp4")]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False
    )
    assert done.returncode == 1, done.stderr[-3000:]
    line = _one_line(done.stderr)
    assert "No space left on device" in line, line
    left = [row for row in done.stdout.splitlines() if row.startswith("LEFT:")]
    assert left == ["LEFT:"], done.stdout  # nothing on the full disk


class _Watched:
    """A CLI render whose stderr is read as it comes."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for(self, found: Callable[[], bool], seconds: float = 300.0) -> None:
        deadline = time.monotonic() + seconds
        while not found():
            assert self.process.poll() is None, "".join(self.lines)[-3000:]
            assert time.monotonic() < deadline, "the moment never came"
            time.sleep(0.01)

    def stop(self, signal_number: int) -> tuple[int, str]:
        self.process.send_signal(signal_number)
        self.process.wait(120)
        self._reader.join(30)
        return self.process.returncode, "".join(self.lines)


def test_sigterm_while_encoding_exits_cleanly_and_leaves_no_partial_file(
    examples: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "talk.mp4"
    run = _Watched(_render_command(examples / "woman_waterfall.jpg", out))
    # The encoder is running: its hidden temporary files exist.
    run.wait_for(lambda: any(name.endswith(".part.mp4") for name in _left_in(folder)))
    code, stderr = run.stop(signal.SIGTERM)
    assert code == 128 + signal.SIGTERM, stderr[-3000:]
    assert _one_line(stderr) == "talking-photo: stopped; no partial files were left."
    assert _left_in(folder) == []


def test_ctrl_c_while_the_models_load_exits_cleanly(examples: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "talk.mp4"
    # --verbose logs each stage as it starts; no line is given, so the chat model loads next.
    command = [sys.executable, "-m", "pipelines", "--verbose", "render"]
    command += [str(examples / "einstein_bw.jpg"), "-o", str(out)]
    run = _Watched(command)
    run.wait_for(lambda: any("loaded the scene backend" in line for line in run.lines))
    code, stderr = run.stop(signal.SIGINT)
    assert code == 128 + signal.SIGINT, stderr[-3000:]
    assert "talking-photo: stopped; no partial files were left." in stderr
    assert "Traceback" not in stderr and "terminate called" not in stderr
    assert _left_in(folder) == []
